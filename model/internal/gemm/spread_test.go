package gemm

import (
	"math/rand/v2"
	"testing"
)

// Spread must copy exactly (it is a copy: bit-exact) and leave the gaps alone.
func TestSpreadMatchesTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range []int{1, 7, 8, 15, 16, 17, 31, 32, 33, 47} {
		for iter := 0; iter < 5; iter++ {
			groups, rows := 1+rng.IntN(4), 1+rng.IntN(5)
			rowStride := w + rng.IntN(3)
			groupStride := rows*rowStride + rng.IntN(4)
			src := make([]float32, groups*rows*w)
			for i := range src {
				src[i] = rng.Float32()
			}
			pre := rng.IntN(5)
			n := pre + (groups-1)*groupStride + (rows-1)*rowStride + w + rng.IntN(3)
			got, want := make([]float32, n), make([]float32, n)
			for i := range got {
				got[i], want[i] = guard, guard
			}
			Spread(got[pre:], src, groups, rows, w, rowStride, groupStride)
			spreadGeneric(want[pre:], src, groups, rows, w, rowStride, groupStride)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("w %d groups %d rows %d: value %d is %v, want %v", w, groups, rows, i, got[i], want[i])
				}
			}
		}
	}
	if checkSpread(10, 4, 1, 1, 4, 3, 0) == nil || checkSpread(10, 3, 1, 1, 4, 4, 0) == nil || checkSpread(6, 8, 1, 2, 4, 4, 0) == nil {
		t.Error("bad spread accepted")
	}
}
