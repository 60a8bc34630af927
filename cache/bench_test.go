package cache

import (
	"github.com/edgecache/edgecache/model/cputime"

	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// perCPU reports a rate per CPU-second received (see model/cputime) when the
// platform can measure it.
func perCPU(b *testing.B, amount float64, cpu time.Duration, unit string) {
	if cpu > 0 {
		b.ReportMetric(amount/cpu.Seconds(), unit)
	}
}

// Lookup kernels: one query against a whole cache, per core (b.N scans on
// one goroutine). dots/s = keys scanned per second.
func BenchmarkDots(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		const dim = 192
		r := rand.New(rand.NewPCG(1, 2))
		keys := randKeys(r, n, dim, 0)
		q := randVec(r, 4*dim, 0)
		dst := make([]float32, 4*n)
		for _, ks := range append([]*kernelSet{generic}, fastKernels()...) {
			b.Run(fmt.Sprintf("%dx%d/%s/1query", n, dim, ks.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.SetBytes(int64(2 * n * dim))
				t0 := cputime.Thread()
				for b.Loop() {
					dots(ks, dst[:n], keys, q[:dim])
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "dots/s")
				perCPU(b, float64(n)*float64(b.N), cputime.Thread()-t0, "dots/cpu-s")
			})
			b.Run(fmt.Sprintf("%dx%d/%s/4queries", n, dim, ks.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.SetBytes(int64(2 * n * dim))
				t0 := cputime.Thread()
				for b.Loop() {
					dots4(ks, dst, n, keys, q, n, dim)
				}
				b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds(), "dots/s")
				perCPU(b, 4*float64(n)*float64(b.N), cputime.Thread()-t0, "dots/cpu-s")
			})
		}
	}
}

// The whole board lookup (similarities, stable exp, class sums) in a 4 MiB
// cache of 192-dim keys: 10,000 items hold 3.9 MB of keys.
func BenchmarkProbs(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	spec := Spec{Taps: []TapSpec{{Name: "t", C: 192, H: 1, W: 1}}}
	c, centres := randCache(b, r, spec, 10, 10000)
	q := make([]float32, 0, 4*192)
	for j := 0; j < 4; j++ {
		q = append(q, centres[j]...)
	}
	p := make([]float32, 40)
	for _, m := range []int{1, 4} {
		b.Run(fmt.Sprintf("%s/%dquery", Kernel(), m), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := cputime.Thread()
			for b.Loop() {
				if err := c.ProbsBatch(p[:10*m], q[:192*m], 85); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*m), "ms/query")
			if cpu := cputime.Thread() - t0; cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N*m), "cpu-ms/query")
			}
			b.ReportMetric(float64(c.Bytes()), "cache-bytes")
		})
	}
}

// fittedSpec is the key spec of ResNet32's fitted 4 MiB cache: three 64 x 8 x
// 8 taps, whole, projected to 128 values by a 3 MiB fp16 matrix.
func fittedSpec(b *testing.B, r *rand.Rand) Spec {
	var spec Spec
	for _, name := range []string{"a", "b", "c"} {
		spec.Taps = append(spec.Taps, TapSpec{Name: name, C: 64, H: 8, W: 8})
	}
	wm := make([]float32, 128*spec.RawDim())
	for i := range wm {
		wm[i] = float32(r.NormFloat64()) * 0.01
	}
	var err error
	if spec.Proj, err = NewProjection(128, spec.RawDim(), wm, nil); err != nil {
		b.Fatal(err)
	}
	return spec
}

// reluTaps returns taps for spec with the given share of non-zero values.
func reluTaps(r *rand.Rand, spec Spec, density float64) [][]float32 {
	taps := make([][]float32, len(spec.Taps))
	for i, t := range spec.Taps {
		taps[i] = make([]float32, t.C*t.H*t.W)
		for j := range taps[i] {
			if r.Float64() < density {
				taps[i][j] = float32(r.ExpFloat64())
			}
		}
	}
	return taps
}

// The projection of one key in the fitted shape, with the taps 37% non-zero
// as ResNet32's ReLU taps are; and the same key dense, which reads the whole
// matrix as the row-major layout had to.
func BenchmarkProject(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	spec := fittedSpec(b, r)
	rows := spec.Dim()
	for _, density := range []float64{0.37, 1} {
		taps := reluTaps(r, spec, density)
		for _, ks := range append([]*kernelSet{generic}, fastKernels()...) {
			b.Run(fmt.Sprintf("%dx%d/density%.2f/%s", rows, spec.RawDim(), density, ks.name), func(b *testing.B) {
				sc := spec.newKeyScratch()
				dst := make([]float32, rows)
				for b.Loop() {
					spec.Proj.project(ks, dst, &sc, taps...)
				}
			})
		}
	}
}

// The board lookup (TapProbs) in a cache of the fitted shape with 3,867 items
// (as ResNet32's), taps 37% non-zero, and "cold": before each lookup 4 MiB of
// other memory is read, as the network's weights and activations pass through
// the caches between two frames on a board. The network itself is timed
// against the lookup by `edgecache bench -cache` and firmware's BenchmarkFrame.
func BenchmarkTapProbs(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	spec := fittedSpec(b, r)
	c, _ := randCache(b, r, spec, 10, 3867)
	c.Theta = 75
	taps := reluTaps(r, spec, 0.37)
	other := make([]byte, 4<<20)
	var sink byte
	p := make([]float32, 10)
	sc := c.NewScratch()
	for _, cold := range []bool{false, true} {
		b.Run(fmt.Sprintf("%s/cold=%v", Kernel(), cold), func(b *testing.B) {
			for b.Loop() {
				if cold {
					b.StopTimer()
					for i := 0; i < len(other); i += 64 {
						other[i]++
						sink += other[i]
					}
					b.StartTimer()
				}
				if err := c.TapProbs(p, sc, taps); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.Bytes())/(1<<20), "MiB")
		})
	}
	_ = sink
}
