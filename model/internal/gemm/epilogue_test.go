package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStoreRunMatchesGo proves storeRun (NEON on arm64: run it under
// qemu-aarch64-static) bit-identical to storeRunGo on every run length up to
// 70, with and without residual and ReLU, on values that include -0, NaN,
// infinities and denormals, with guard values after the run that must
// survive.
func TestStoreRunMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 1, -1}
	val := func() float32 {
		if r.IntN(4) == 0 {
			return special[r.IntN(len(special))]
		}
		return float32(r.NormFloat64())
	}
	const guard = 12345.678
	for n := 0; n <= 70; n++ {
		for _, withRes := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				src := make([]float32, n)
				var res []float32
				if withRes {
					res = make([]float32, n)
				}
				for i := range src {
					src[i] = val()
					if withRes {
						res[i] = val()
					}
				}
				bias := val()
				got := make([]float32, n+4)
				want := make([]float32, n+4)
				for i := range got {
					got[i], want[i] = guard, guard
				}
				storeRun(got[:n], src, res, bias, relu)
				storeRunGo(want[:n], src, res, bias, relu)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n %d res %v relu %v bias %v: [%d] = %v (%#x), want %v (%#x)",
							n, withRes, relu, bias, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}
