package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gridCase is one convolution-shaped GemmRequantGrid call: a padded image
// of c channels, a k x k kernel at stride s, rows x cols output pixels.
type gridCase struct {
	m, c, k, s, rows, cols int
	pw                     int // padded width in pixels
}

func (g gridCase) String() string {
	return fmt.Sprintf("m%d_c%d_k%d_s%d_%dx%d", g.m, g.c, g.k, g.s, g.rows, g.cols)
}

// args gives the padded input's length (just large enough) and the grid's
// strides.
func (g gridCase) args() (imageLen, ldb, rowStride, segStride int) {
	ph := (g.rows-1)*g.s + g.k
	return ph * g.pw * g.c, g.s * g.c, g.s * g.pw * g.c, g.pw * g.c
}

// TestGemmRequantGrid compares GemmRequantGrid with GemmRequant on the same
// patches gathered, bit for bit, for every kernel: widths that are whole
// tiles, 8 (two rows per tile, odd row counts included) and others, strides
// 1 and 2, 1x1 and 3x3, with guard bytes after dst.
func TestGemmRequantGrid(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	var cases []gridCase
	for _, cols := range []int{1, 5, 8, 12, 16, 32} {
		for _, rows := range []int{1, 2, 3, 8} {
			for _, ks := range [][2]int{{3, 1}, {3, 2}, {1, 2}, {1, 1}} {
				c := []int{4, 16, 32, 3}[r.IntN(4)]
				m := []int{1, 16, 17, 32, 64}[r.IntN(5)]
				pw := (cols-1)*ks[1] + ks[0] + r.IntN(3)
				cases = append(cases, gridCase{m: m, c: c, k: ks[0], s: ks[1], rows: rows, cols: cols, pw: pw})
			}
		}
	}
	for _, k := range kernels(t) {
		for _, g := range cases {
			n, ldb, rowStride, segStride := g.args()
			b := make([]uint8, n)
			for i := range b {
				b[i] = uint8(r.Uint32())
			}
			seg := g.k * g.c
			depth := g.k * seg
			a := make([]int8, g.m*depth)
			for i := range a {
				a[i] = int8(r.IntN(255) - 127)
			}
			w, err := packWeights(k, g.m, depth, a)
			if err != nil {
				t.Fatal(err)
			}
			px := g.rows * g.cols
			gathered := make([]uint8, px*depth)
			for y := range g.rows {
				for x := range g.cols {
					for s := range g.k {
						copy(gathered[(y*g.cols+x)*depth+s*seg:][:seg], b[y*rowStride+x*ldb+s*segStride:])
					}
				}
			}
			rq := randRequant(t, r, g.m)
			ldd := g.m + r.IntN(3)
			// Rows dense, or a padded output's: gaps of guard bytes
			// between them.
			ldRow := g.cols * ldd
			if r.IntN(2) == 0 {
				ldRow += ldd * (1 + r.IntN(3))
			}
			rowBytes := (g.cols-1)*ldd + g.m
			dense := make([]uint8, (px-1)*ldd+g.m)
			w.GemmRequant(px, gathered, depth, dense, ldd, rq)
			want := make([]uint8, (g.rows-1)*ldRow+rowBytes+7)
			got := make([]uint8, len(want))
			for i := range got {
				got[i], want[i] = 0xA5, 0xA5
			}
			for y := range g.rows {
				for x := range g.cols {
					copy(want[y*ldRow+x*ldd:][:g.m], dense[(y*g.cols+x)*ldd:])
				}
			}
			w.GemmRequantGrid(g.rows, g.cols, b, rowStride, ldb, g.k, segStride, got, ldd, ldRow, rq)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("kernel %s %v ldd=%d ldRow=%d: dst[%d] = %d, want %d", k.name, g, ldd, ldRow, i, got[i], want[i])
				}
			}
		}
	}
}

func TestGemmRequantGridPanicsOnShortSlices(t *testing.T) {
	w, err := PackWeights(16, 144, make([]int8, 16*144))
	if err != nil {
		t.Fatal(err)
	}
	rq := randRequant(t, rand.New(rand.NewPCG(1, 2)), 16)
	// 2 rows of 16 pixels, 3x3 over 16 channels on an 18-pixel padded row.
	img := make([]uint8, 4*18*16)
	dst := make([]uint8, 32*16)
	for name, f := range map[string]func(){
		"short b":          func() { w.GemmRequantGrid(2, 16, img[:len(img)-1], 18*16, 16, 3, 18*16, dst, 16, 256, rq) },
		"short dst":        func() { w.GemmRequantGrid(2, 16, img, 18*16, 16, 3, 18*16, dst[:len(dst)-1], 16, 256, rq) },
		"huge row":         func() { w.GemmRequantGrid(2, 16, img, int(^uint(0)>>2), 16, 3, 18*16, dst, 16, 256, rq) },
		"bad segments":     func() { w.GemmRequantGrid(2, 16, img, 18*16, 16, 5, 18*16, dst, 16, 256, rq) },
		"dst rows overlap": func() { w.GemmRequantGrid(2, 16, img, 18*16, 16, 3, 18*16, dst, 16, 255, rq) },
		"huge dst row":     func() { w.GemmRequantGrid(2, 16, img, 18*16, 16, 3, 18*16, dst, 16, int(^uint(0)>>2), rq) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	w.GemmRequantGrid(2, 16, img, 18*16, 16, 3, 18*16, dst, 16, 256, rq) // exactly enough: no panic
}
