package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNormalize checks Normalize (AVX-512 where this CPU has it) against its
// Go twin on random pixels and on the values where rounding or the clamp
// changes form: halves and their neighbours, values just inside and outside
// [0, 255], zeros of both signs, infinities and NaN, with odd lengths and
// guard bytes after dst.
func TestNormalize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 3*1024 + 13
	src := make([]float32, n)
	mean, std := make([]float64, n), make([]float64, n)
	for i := range n {
		src[i] = r.Float32()
		mean[i] = 0.3 + 0.4*r.Float64()
		std[i] = 0.1 + 0.3*r.Float64()
	}
	// With mean 0, std 1, scale 1 and zero 0 the value reaches the rounding
	// as is.
	special := []float32{0.5, 1.5, 2.5, -0.5, -1.5, 254.5, 255.5, 0.49999997, 0.50000006, 127.49999,
		math.Nextafter32(0.5, 0), math.Nextafter32(0.5, 1), -0.49999997, 256, 300, -1, 0,
		float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e30, -1e30}
	for i, v := range special {
		src[i], mean[i], std[i] = v, 0, 1
	}
	for _, c := range []struct{ scale, zero float64 }{{1, 0}, {0.0187, 113}, {0.05, 0}, {0.01, 255}, {1.0 / 3, 7}} {
		for _, length := range []int{0, 1, 7, 8, 9, 63, 64, 100, n} {
			got := make([]uint8, length+8)
			for i := range got {
				got[i] = 0xA5
			}
			want := make([]uint8, length)
			Normalize(got[:length], src, mean, std, c.scale, c.zero)
			normalizeGo(want, src, mean, std, c.scale, c.zero)
			for i := range got {
				w := uint8(0xA5)
				if i < length {
					w = want[i]
				}
				if got[i] != w {
					t.Fatalf("scale %v zero %v length %d: byte %d (src %v) = %d, want %d", c.scale, c.zero, length, i, src[min(i, n-1)], got[i], w)
				}
			}
		}
	}
	// The twin itself on the special values: round half away from zero,
	// clamp, NaN to 0.
	want := []uint8{1, 2, 3, 0, 0, 255, 255, 0, 1, 127, 0, 1, 0, 255, 255, 0, 0, 0, 255, 0, 0, 255, 0}
	got := make([]uint8, len(special))
	normalizeGo(got, src, mean, std, 1, 0)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("normalizeGo(%v) = %d, want %d", special[i], got[i], want[i])
		}
	}
}
