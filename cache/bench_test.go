package cache

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// perCPU reports a rate per CPU-second received (see cpuTime) when the
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
				t0 := cpuTime(rusageThread)
				for b.Loop() {
					dots(ks, dst[:n], keys, q[:dim])
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "dots/s")
				perCPU(b, float64(n)*float64(b.N), cpuTime(rusageThread)-t0, "dots/cpu-s")
			})
			b.Run(fmt.Sprintf("%dx%d/%s/4queries", n, dim, ks.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.SetBytes(int64(2 * n * dim))
				t0 := cpuTime(rusageThread)
				for b.Loop() {
					dots4(ks, dst, n, keys, q, n, dim)
				}
				b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds(), "dots/s")
				perCPU(b, 4*float64(n)*float64(b.N), cpuTime(rusageThread)-t0, "dots/cpu-s")
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
			t0 := cpuTime(rusageThread)
			for b.Loop() {
				if err := c.ProbsBatch(p[:10*m], q[:192*m], 85); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*m), "ms/query")
			if cpu := cpuTime(rusageThread) - t0; cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N*m), "cpu-ms/query")
			}
			b.ReportMetric(float64(c.Bytes()), "cache-bytes")
		})
	}
}

// The host scan at 256 queries x 20,000 keys x 12,288 dims on all cores.
// GFLOP/s counts a multiply-add as two.
func BenchmarkSimilarities(b *testing.B) {
	const nq, nk, dim = 256, 20000, 12288
	if testing.Short() {
		b.Skip("allocates 0.5 GB")
	}
	r := rand.New(rand.NewPCG(5, 6))
	spec := Spec{Taps: []TapSpec{{Name: "a", C: 64, H: 8, W: 8}, {Name: "b", C: 64, H: 8, W: 8}, {Name: "c", C: 64, H: 8, W: 8}}}
	c, _ := New(spec, 10)
	c.keys = randKeys(r, nk, dim, 0)
	c.labels = make([]uint16, nk)
	queries := randVec(r, nq*dim, 0)
	for _, g := range append(fastGemms(), genericGemm) {
		if g == genericGemm && !testing.Verbose() {
			continue // hours of scalar Go; run with -v to include it
		}
		b.Run(g.name, func(b *testing.B) {
			t0 := cpuTime(rusageSelf)
			for b.Loop() {
				if err := similarities(g, queries, c, SimOptions{}, func(int, SimBlock) {}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*nq*nk*dim*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			perCPU(b, 2*nq*nk*dim*float64(b.N)/1e9, cpuTime(rusageSelf)-t0, "GFLOP/cpu-s")
		})
	}
}

// One micro-kernel on one core with its operands in cache: the ceiling of
// the host scan. GFLOP/s counts a multiply-add as two.
func BenchmarkGemmKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, g := range append(fastGemms(), genericGemm) {
		const kc = gemmKC
		a := randVec(r, kc*g.mr, 0)
		bp := randKeys(r, 16*kc, g.nr, 0) // 16 key panels, as in a block
		ldc := 16 * g.nr
		c := make([]float32, g.mr*ldc)
		b.Run(g.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := cpuTime(rusageThread)
			for b.Loop() {
				for p := 0; p < 16; p++ {
					g.run(kc, a, bp[p*kc*g.nr:(p+1)*kc*g.nr], c[p*g.nr:], ldc)
				}
			}
			b.ReportMetric(2*16*float64(kc*g.mr*g.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			perCPU(b, 2*16*float64(kc*g.mr*g.nr)*float64(b.N)/1e9, cpuTime(rusageThread)-t0, "GFLOP/cpu-s")
		})
	}
}

// The tuning reducer: folding one block of similarities into the sums of 33
// thetas x 10 classes, with similarities spread like CIFAR keys (0.3 to 0.95,
// so most terms climb the whole ladder at small theta).
func BenchmarkLadder(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	g := PaperGrid()
	st := newThetaSums([]ladder{mkLadder(g.Thetas)}, 10, 1)
	sims := make([]float32, gemmNC)
	labels := make([]uint16, gemmNC)
	for i := range sims {
		sims[i] = 0.3 + 0.65*float32(r.Float64())
		labels[i] = uint16(r.IntN(10))
	}
	st.reset(1)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := cpuTime(rusageThread)
	for b.Loop() {
		st.add(0, sims, labels, nil)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(sims)), "ns/sim")
	if cpu := cpuTime(rusageThread) - t0; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1e9/float64(b.N*len(sims)), "cpu-ns/sim")
	}
}

// A whole Tune (grid scan, refinement scan) at 1/20 of the paper's queries
// and 1/10 of its items with the paper's 12,288-dim keys; MAC/cpu-s is the
// rate to extrapolate from (the paper's tuning: 1.1e13 MACs per scan).
func BenchmarkTune(b *testing.B) {
	if testing.Short() {
		b.Skip("allocates 0.2 GB")
	}
	const nq, nk, dim, classes = 500, 9000, 12288, 10
	r := rand.New(rand.NewPCG(11, 12))
	spec := Spec{Taps: []TapSpec{{Name: "a", C: 64, H: 8, W: 8}, {Name: "b", C: 64, H: 8, W: 8}, {Name: "c", C: 64, H: 8, W: 8}}}
	c, _ := New(spec, classes)
	c.Grow(nk)
	for i := 0; i < nk; i++ {
		c.Add(unitVec(r, dim), r.IntN(classes))
	}
	queries := make([]float32, 0, nq*dim)
	labels := make([]int, nq)
	pNet := make([]float32, nq*classes)
	for q := 0; q < nq; q++ {
		queries = append(queries, unitVec(r, dim)...)
		labels[q] = r.IntN(classes)
		for k := 0; k < classes; k++ {
			pNet[q*classes+k] = 0.1
		}
	}
	t0 := cpuTime(rusageSelf)
	for b.Loop() {
		if _, err := Tune(queries, labels, pNet, c, TuneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	macs := 2 * float64(nq) * nk * dim * float64(b.N) // two scans
	b.ReportMetric(macs/b.Elapsed().Seconds(), "MAC/s")
	perCPU(b, macs, cpuTime(rusageSelf)-t0, "MAC/cpu-s")
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
