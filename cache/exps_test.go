package cache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every exps path against exp in float64 (relative error) and the SIMD
// paths against the twin, over the whole range a lookup feeds them: terms
// from 1 down past the cutoff, thetas 0 to 500, lengths with tails, and
// guard values after the end that must stay untouched.
func TestExps(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, ks := range append(fastKernels(), generic) {
		worst := 0.0
		for _, theta := range []float32{0, 1, 10, 85.5556, 90, 500} {
			for _, n := range []int{1, 7, 8, 9, 64, 256, 257} {
				m := float32(r.Float64()*2 - 1)
				src := make([]float32, n)
				for i := range src {
					src[i] = m - float32(r.Float64())*float32(r.IntN(3))*0.5
				}
				src[0] = m // the largest term: exactly 1
				dst := make([]float32, n+3)
				for i := n; i < len(dst); i++ {
					dst[i] = -7
				}
				exps(ks, dst[:n], src, theta, m)
				twin := make([]float32, n)
				expsGeneric(twin, src, theta, m)
				for i, s := range src {
					d := float64(theta) * float64(s-m) // as the kernels form it, but exact
					got := float64(dst[i])
					if dst[0] != 1 {
						t.Fatalf("%s: exp(0) = %v", ks.name, dst[0])
					}
					switch {
					case float64((s-m)*theta) < -cutoff:
						if got != 0 {
							t.Fatalf("%s: term %v below the cutoff gave %v", ks.name, d, got)
						}
						continue
					case got == 0:
						t.Fatalf("%s: term %v within the cutoff gave 0", ks.name, d)
					}
					want := math.Exp(float64((s - m) * theta))
					rel := math.Abs(got-want) / want
					worst = math.Max(worst, rel)
					if rel > 5e-7 {
						t.Fatalf("%s: exp(%v) = %v, want %v (relative error %g)", ks.name, d, got, want, rel)
					}
					if tr := math.Abs(got-float64(twin[i])) / want; tr > 5e-7 {
						t.Fatalf("%s: exp(%v) = %v, twin %v", ks.name, d, got, twin[i])
					}
				}
				for i := n; i < len(dst); i++ {
					if dst[i] != -7 {
						t.Fatalf("%s: wrote past the end (n %d)", ks.name, n)
					}
				}
			}
		}
		t.Logf("%s: worst relative error %g", ks.name, worst)
	}
}

// Exponentials per second, per kernel, over one lookup block.
func BenchmarkExps(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	src := make([]float32, lookupBlock)
	for i := range src {
		src[i] = float32(r.Float64()) * 0.5
	}
	dst := make([]float32, lookupBlock)
	for _, ks := range append([]*kernelSet{generic}, fastKernels()...) {
		b.Run(fmt.Sprint(ks.name), func(b *testing.B) {
			for b.Loop() {
				exps(ks, dst, src, 80, 0.5)
			}
			b.ReportMetric(float64(lookupBlock)*float64(b.N)/b.Elapsed().Seconds(), "exps/s")
		})
	}
}
