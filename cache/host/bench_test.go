package host

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
	"github.com/edgecache/edgecache/model/cputime"
)

// perCPU reports a rate per CPU-second received (model/cputime)
// when the platform can measure it.
func perCPU(b *testing.B, amount float64, cpu time.Duration, unit string) {
	if cpu > 0 {
		b.ReportMetric(amount/cpu.Seconds(), unit)
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
	keys := bitRows(randKeys(r, nk, dim), dim)
	queries := randVec(r, nq*dim)
	for _, g := range append(fastGemms(), genericGemm) {
		if g == genericGemm && !testing.Verbose() {
			continue // hours of scalar Go; run with -v to include it
		}
		b.Run(g.name, func(b *testing.B) {
			t0 := cputime.Self()
			for b.Loop() {
				if err := similarities(g, queries, keys, SimOptions{}, func(int, SimBlock) {}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*nq*nk*dim*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			perCPU(b, 2*nq*nk*dim*float64(b.N)/1e9, cputime.Self()-t0, "GFLOP/cpu-s")
		})
	}
}

// One micro-kernel on one core with its operands in cache: the ceiling of
// the host scan. GFLOP/s counts a multiply-add as two.
func BenchmarkGemmKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, g := range append(fastGemms(), genericGemm) {
		const kc = gemmKC
		a := randVec(r, kc*g.mr)
		bp := randKeys(r, 16*kc, g.nr) // 16 key panels, as in a block
		ldc := 16 * g.nr
		c := make([]float32, g.mr*ldc)
		b.Run(g.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := cputime.Thread()
			for b.Loop() {
				for p := 0; p < 16; p++ {
					g.run(kc, a, bp[p*kc*g.nr:(p+1)*kc*g.nr], c[p*g.nr:], ldc)
				}
			}
			b.ReportMetric(2*16*float64(kc*g.mr*g.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			perCPU(b, 2*16*float64(kc*g.mr*g.nr)*float64(b.N)/1e9, cputime.Thread()-t0, "GFLOP/cpu-s")
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
	t0 := cputime.Thread()
	for b.Loop() {
		st.add(0, sims, labels, nil)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(sims)), "ns/sim")
	if cpu := cputime.Thread() - t0; cpu > 0 {
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
	c, err := cache.New(cachetest.FlatSpec(dim), classes)
	if err != nil {
		b.Fatal(err)
	}
	c.Grow(nk)
	for i := 0; i < nk; i++ {
		if err := c.Add(cachetest.UnitVec(r, dim), r.IntN(classes)); err != nil {
			b.Fatal(err)
		}
	}
	queries := make([]float32, 0, nq*dim)
	labels := make([]int, nq)
	pNet := make([]float32, nq*classes)
	for q := 0; q < nq; q++ {
		queries = append(queries, cachetest.UnitVec(r, dim)...)
		labels[q] = r.IntN(classes)
		for k := 0; k < classes; k++ {
			pNet[q*classes+k] = 0.1
		}
	}
	t0 := cputime.Self()
	for b.Loop() {
		if _, err := Tune(queries, labels, pNet, c, TuneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	macs := 2 * float64(nq) * nk * dim * float64(b.N) // two scans
	b.ReportMetric(macs/b.Elapsed().Seconds(), "MAC/s")
	perCPU(b, macs, cputime.Self()-t0, "MAC/cpu-s")
}

// A scan of few queries over many keys, as an attack's step on a large
// cache: Similarities lays the keys out on every call, packed Keys once.
// The peers run in the same process on the same data.
func BenchmarkPackedKeys(b *testing.B) {
	const nq, nk, dim = 24, 10000, 12288
	if testing.Short() {
		b.Skip("allocates 0.8 GB")
	}
	r := rand.New(rand.NewPCG(5, 6))
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "t", C: dim, H: 1, W: 1}}}
	c, _ := cachetest.RandCache(b, r, spec, 10, nk)
	queries := randVec(r, nq*dim)
	nop := func(int, SimBlock) {}
	b.Run("repack", func(b *testing.B) {
		for b.Loop() {
			if err := Similarities(queries, c, SimOptions{}, nop); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(2*nq*nk*dim*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	k := PackKeys(c)
	b.Run("packed", func(b *testing.B) {
		for b.Loop() {
			if err := k.Similarities(queries, SimOptions{}, nop); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(2*nq*nk*dim*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
