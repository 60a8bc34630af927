package kernel

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/edgecache/edgecache/model/cputime"
)

// measure runs f b.N times on one locked thread and reports multiply-adds
// per second of that thread's CPU time (model/cputime.Thread: the machine
// is shared, and time the thread spends descheduled is not the kernel's) as
// GMAC/s, and the CPU time per op as cpu-ns/op; where no thread clock
// exists, wall time.
func measure(b *testing.B, macs int, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, w0 := cputime.Thread(), time.Now()
	for b.Loop() {
		f()
	}
	cpu := (cputime.Thread() - t0).Seconds()
	if cpu == 0 {
		cpu = time.Since(w0).Seconds()
	}
	b.ReportMetric(float64(macs)*float64(b.N)/cpu/1e9, "GMAC/s")
	b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
}

// resnet32 lists the GEMMs of one CIFAR ResNet32 inference at batch 1
// (m output channels, depth = k*k*input channels, n output pixels), shortcut
// kind B included: 69.2M multiply-adds.
var resnet32 = func() [][3]int {
	s := [][3]int{{16, 27, 1024}}
	for i := 0; i < 10; i++ {
		s = append(s, [3]int{16, 144, 1024})
	}
	s = append(s, [3]int{32, 144, 256}, [3]int{32, 16, 256})
	for i := 0; i < 9; i++ {
		s = append(s, [3]int{32, 288, 256})
	}
	s = append(s, [3]int{64, 288, 64}, [3]int{64, 32, 64})
	for i := 0; i < 9; i++ {
		s = append(s, [3]int{64, 576, 64})
	}
	return append(s, [3]int{10, 64, 1})
}()

type benchGemm struct {
	w *Weights
	n int
	b []uint8
	c []int32
}

func newBenchGemm(b *testing.B, k *kernel, m, depth, n int) *benchGemm {
	r := rand.New(rand.NewPCG(uint64(m), uint64(depth)))
	a := make([]int8, m*depth)
	for i := range a {
		a[i] = int8(r.IntN(255) - 127)
	}
	w, err := packWeights(k, m, depth, a)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]uint8, n*depth)
	for i := range x {
		x[i] = uint8(r.Uint32())
	}
	return &benchGemm{w: w, n: n, b: x, c: make([]int32, m*n)}
}

func (g *benchGemm) run() { g.w.Gemm(g.n, g.b, g.w.Depth, g.c, g.n) }

// BenchmarkGemm: each kernel on the three shapes that make up almost all of
// ResNet32 (one per stage). GMAC/s is int8 multiply-adds per second.
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{16, 144, 1024}, {32, 288, 256}, {64, 576, 64}} {
		for _, k := range kernels(b) {
			b.Run(fmt.Sprintf("m%d_d%d_n%d/%s", s[0], s[1], s[2], k.name), func(b *testing.B) {
				g := newBenchGemm(b, k, s[0], s[1], s[2])
				measure(b, s[0]*s[1]*s[2], g.run)
			})
		}
	}
}

// BenchmarkResNet32: all GEMMs of one inference; ns/op is the GEMM share of
// the batch-1 latency on one core.
func BenchmarkResNet32(b *testing.B) {
	for _, k := range kernels(b) {
		b.Run(k.name, func(b *testing.B) {
			var gs []*benchGemm
			macs := 0
			for _, s := range resnet32 {
				gs = append(gs, newBenchGemm(b, k, s[0], s[1], s[2]))
				macs += s[0] * s[1] * s[2]
			}
			measure(b, macs, func() {
				for _, g := range gs {
					g.run()
				}
			})
		})
	}
}
