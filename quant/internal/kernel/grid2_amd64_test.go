//go:build amd64 && !noasm

package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPanelPairsMatchTwin runs GemmRequantGrid on the vnni kernel with and
// without tilesVNNIRq2 and on the Go twin, bit for bit with guard bytes
// around every output pixel: whole-tile widths and 8-wide grids, stride 2,
// 1x1, channel counts that leave a single panel over (48, 40), left shifts.
func TestPanelPairsMatchTwin(t *testing.T) {
	if best != vnni {
		t.Skip("no AVX512-VNNI on this CPU")
	}
	r := rand.New(rand.NewPCG(41, 42))
	for _, m := range []int{32, 40, 48, 64} {
		for _, cols := range []int{8, 16, 32} {
			for _, ks := range [][2]int{{3, 1}, {3, 2}, {1, 2}} {
				c := []int{16, 32}[r.IntN(2)]
				g := gridCase{m: m, c: c, k: ks[0], s: ks[1], rows: 2 + r.IntN(3), cols: cols}
				g.pw = (cols-1)*g.s + g.k + r.IntN(2)
				n, ldb, rowStride, segStride := g.args()
				b := make([]uint8, n)
				for i := range b {
					b[i] = uint8(r.Uint32())
				}
				depth := g.k * g.k * g.c
				a := make([]int8, m*depth)
				for i := range a {
					a[i] = int8(r.IntN(255) - 127)
				}
				rq := randRequant(t, r, m)
				ldd := m + 1 + r.IntN(2) // a guard byte or two after each pixel
				ldRow := g.cols*ldd + ldd
				out := func(k *kernel, pairs bool) []uint8 {
					w, err := packWeights(k, m, depth, a)
					if err != nil {
						t.Fatal(err)
					}
					dst := make([]uint8, g.rows*ldRow+5)
					for i := range dst {
						dst[i] = 0xA5
					}
					pairPanels = pairs
					defer func() { pairPanels = true }()
					w.GemmRequantGrid(g.rows, g.cols, b, rowStride, ldb, g.k, segStride, dst, ldd, ldRow, rq)
					return dst
				}
				twin, single, pairs := out(generic, true), out(vnni, false), out(vnni, true)
				for i := range twin {
					if pairs[i] != twin[i] || single[i] != twin[i] {
						t.Fatalf("%v ldd %d: byte %d: pairs %d, one panel %d, Go twin %d", g, ldd, i, pairs[i], single[i], twin[i])
					}
				}
			}
		}
	}
}

// BenchmarkGridPanels times a 3x3 convolution of each CIFAR ResNet32 stage
// (in place, requantized) with panelPairs' kernels (pipelined:
// tilesVNNIRqP for 16 channels, tilesVNNIRq2 for 32 and 64) and with the
// 16x16 tilesVNNIRq alone, in the same run.
func BenchmarkGridPanels(b *testing.B) {
	if best != vnni {
		b.Skip("no AVX512-VNNI on this CPU")
	}
	for _, st := range []struct{ h, c int }{{32, 16}, {16, 32}, {8, 64}} {
		r := rand.New(rand.NewPCG(1, uint64(st.c)))
		g := gridCase{m: st.c, c: st.c, k: 3, s: 1, rows: st.h, cols: st.h, pw: st.h + 2}
		n, ldb, rowStride, segStride := g.args()
		img := make([]uint8, n)
		for i := range img {
			img[i] = uint8(r.Uint32())
		}
		a := make([]int8, st.c*9*st.c)
		for i := range a {
			a[i] = int8(r.IntN(255) - 127)
		}
		w, err := packWeights(vnni, st.c, 9*st.c, a)
		if err != nil {
			b.Fatal(err)
		}
		rq := randRequant(b, r, st.c)
		dst := make([]uint8, st.h*st.h*st.c)
		for _, pairs := range []bool{true, false} {
			name := map[bool]string{true: "pipelined", false: "tile16"}[pairs]
			b.Run(fmt.Sprintf("%dx%dx%d/%s", st.h, st.h, st.c, name), func(b *testing.B) {
				pairPanels = pairs
				defer func() { pairPanels = true }()
				measure(b, st.h*st.h*st.c*9*st.c, func() {
					w.GemmRequantGrid(st.h, st.h, img, rowStride, ldb, 3, segStride, dst, st.c, st.h*st.c, rq)
				})
			})
		}
	}
}
