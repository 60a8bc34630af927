package quant

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	// Values from TFLite's quantization_util_test.cc (QuantizeMultiplierArray)
	// and the carry case: a fraction rounding up to 1.0.
	for _, c := range []struct {
		real  float64
		mult  int32
		shift int
	}{
		{0, 0, 0}, {0.125, 1 << 30, -2}, {0.25, 1 << 30, -1}, {0.5, 1 << 30, 0}, {1, 1 << 30, 1},
		{2, 1 << 30, 2}, {4, 1 << 30, 3}, {1 - 1e-12, 1 << 30, 1}, {0.75, 1610612736, 0},
		{1e-10, 1844674407, -33 + 0}, // below 2^-31: flushed (see next check)
	} {
		m, s := quantizeMultiplier(c.real)
		if c.real == 1e-10 {
			if m != 0 || s != 0 {
				t.Errorf("quantizeMultiplier(1e-10) = %d, %d: want 0, 0 (shift below -31)", m, s)
			}
			continue
		}
		if m != c.mult || s != c.shift {
			t.Errorf("quantizeMultiplier(%v) = %d, %d; want %d, %d", c.real, m, s, c.mult, c.shift)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		r := math.Exp(rng.Float64()*30 - 20)
		m, s := quantizeMultiplier(r)
		if m < 1<<30 {
			t.Fatalf("quantizeMultiplier(%g): multiplier %d below 2^30", r, m)
		}
		if got := float64(m) * math.Ldexp(1, s-31); math.Abs(got-r) > r*math.Ldexp(1, -30) {
			t.Fatalf("quantizeMultiplier(%g) = %d * 2^%d = %g", r, m, s-31, got)
		}
	}
}

// floorDiv is floor(a / 2^e) for big integers.
func floorDiv(a *big.Int, e uint) *big.Int {
	return new(big.Int).Rsh(a, e) // arithmetic: rounds toward -infinity
}

func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	if got := saturatingRoundingDoublingHighMul(math.MinInt32, math.MinInt32); got != math.MaxInt32 {
		t.Errorf("MinInt32 squared: %d", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	edges := []int32{0, 1, -1, 1 << 30, -(1 << 30), math.MaxInt32, math.MinInt32, 3, -3}
	for i := range iterations(200000) {
		var a, b int32
		if i < len(edges)*len(edges) {
			a, b = edges[i%len(edges)], edges[i/len(edges)]
		} else {
			a, b = int32(rng.Uint32()), int32(rng.Uint32())
			if i%3 == 0 {
				a >>= rng.IntN(31)
			}
		}
		if a == math.MinInt32 && b == math.MinInt32 {
			continue
		}
		// gemmlowp's result is 2ab / 2^32 rounded to nearest, ties toward
		// +infinity: floor((ab + 2^30) / 2^31).
		ab := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(int64(b)))
		want := floorDiv(ab.Add(ab, big.NewInt(1<<30)), 31).Int64()
		if got := saturatingRoundingDoublingHighMul(a, b); int64(got) != want {
			t.Fatalf("(%d, %d): got %d, want %d", a, b, got, want)
		}
	}
}

func TestRoundingDivideByPOT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range iterations(200000) {
		x := int32(rng.Uint32()) >> rng.IntN(32)
		if i < 64 {
			x = int32(i - 32)
		}
		e := rng.IntN(32)
		// Nearest, ties away from zero.
		mag := new(big.Int).Abs(big.NewInt(int64(x)))
		if e > 0 {
			mag.Add(mag, big.NewInt(1<<(e-1)))
		}
		want := floorDiv(mag, uint(e)).Int64()
		if x < 0 {
			want = -want
		}
		if got := roundingDivideByPOT(x, e); int64(got) != want {
			t.Fatalf("roundingDivideByPOT(%d, %d) = %d, want %d", x, e, got, want)
		}
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		x := int32(rng.Uint32()) >> (8 + rng.IntN(24))
		real := math.Exp(rng.Float64()*20 - 18)
		m, s := quantizeMultiplier(real)
		got := multiplyByQuantizedMultiplier(x, m, s)
		exact := float64(x) * float64(m) * math.Ldexp(1, s-31)
		if math.Abs(exact) > math.MaxInt32/2 {
			continue
		}
		// Two roundings: at most one unit off the exact product.
		if math.Abs(float64(got)-exact) > 1 {
			t.Fatalf("x %d * %d * 2^%d: got %d, exact %g", x, m, s-31, got, exact)
		}
	}
	// Left shifts saturate instead of wrapping: 2^20 << 21 becomes MaxInt32,
	// then times the Q31 multiplier 0.5.
	m, s := quantizeMultiplier(1 << 20)
	if got := multiplyByQuantizedMultiplier(1<<20, m, s); got != 1<<30 {
		t.Errorf("saturating left shift: got %d, want 2^30", got)
	}
	if got := multiplyByQuantizedMultiplier(-(1 << 20), m, s); got != -(1 << 30) {
		t.Errorf("saturating negative left shift: got %d, want -2^30", got)
	}
}

// iterations is n, or a tenth of it with -short (emulated arm64 in CI).
func iterations(n int) int {
	if testing.Short() {
		return n / 10
	}
	return n
}
