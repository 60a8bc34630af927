package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestRequantBlockMatchesRequantGo proves the epilogue GemmRequant runs
// after Gemm (NEON on arm64: run it under qemu-aarch64-static) bit-exact
// with requantGo, itself tested against the TFLite transcription: every
// shift -31..30 and edge multiplier, saturating and tie sums, zero points
// and clamps, channel and pixel counts that are and are not multiples of
// 4, with guard bytes around every pixel's channels that must survive.
func TestRequantBlockMatchesRequantGo(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	const guard = 0xA5
	checked := 0
	for _, shape := range [][2]int{{4, 4}, {8, 12}, {16, 64}, {12, 7}, {5, 9}, {3, 4}, {64, 5}, {32, 3}} {
		m, nc := shape[0], shape[1]
		for trial := range 24 {
			bias := make([]int32, m)
			mult := make([]int32, m)
			shift := make([]int8, m)
			for i := range m {
				bias[i] = int32(r.Uint32()) >> uint(r.IntN(32))
				mult[i] = edgeMults[r.IntN(len(edgeMults))]
				if r.IntN(2) == 0 {
					mult[i] = 1<<30 + r.Int32N(1<<30)
				}
				// Each trial covers the shifts in turn, channels spread
				// over the range.
				shift[i] = int8((trial*7+i*11)%62 - 31)
			}
			zl := [][2]uint8{{0, 0}, {128, 0}, {128, 128}, {7, 7}, {255, 0}, {3, 200}}[trial%6]
			rq, err := NewRequant(m, bias, mult, shift, zl[0], zl[1])
			if err != nil {
				t.Fatal(err)
			}
			acc := make([]int32, m*nc)
			for k := range acc {
				switch r.IntN(3) {
				case 0:
					acc[k] = edgeSums[r.IntN(len(edgeSums))] - bias[k/nc]*int32(r.IntN(2))
				case 1:
					acc[k] = int32(r.Uint32())
				default:
					acc[k] = r.Int32N(1<<20) - 1<<19
				}
			}
			ldd := m + 3
			dst := make([]uint8, nc*ldd+8)
			for k := range dst {
				dst[k] = guard
			}
			rq.requantBlock(dst, ldd, acc, nc)
			for j := range nc {
				for i := range ldd {
					got := dst[j*ldd+i]
					if i >= m {
						if got != guard {
							t.Fatalf("%dx%d: guard byte after pixel %d overwritten with %d", m, nc, j, got)
						}
						continue
					}
					if want := rq.requantGo(acc[i*nc+j], i); got != want {
						t.Fatalf("%dx%d, channel %d (mult %d shift %d zero %d lo %d) pixel %d, sum %d: %d, want %d",
							m, nc, i, mult[i], shift[i], zl[0], zl[1], j, acc[i*nc+j], got, want)
					}
					checked++
				}
			}
			for _, g := range dst[nc*ldd:] {
				if g != guard {
					t.Fatalf("%dx%d: guard byte past the end overwritten", m, nc)
				}
			}
		}
	}
	t.Logf("%d values checked, assembly epilogue: %v", checked, hasRequantAsm)
}
