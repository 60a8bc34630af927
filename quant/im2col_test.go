package quant

import (
	"math/rand/v2"
	"testing"
)

// TestIm2colRanges checks im2col over arbitrary pixel ranges against the
// patch definition, with guard bytes after the rows it writes, on dense and
// bordered sources.
func TestIm2colRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for trial := range 300 {
		h, w := 1+rng.IntN(12), 1+rng.IntN(12)
		c, k, stride := 1+rng.IntN(5), 1+rng.IntN(4), 1+rng.IntN(3)
		top, left := rng.IntN(k), rng.IntN(k)
		oh, ow := (h+2*top-k)/stride+1, (w+2*left-k)/stride+1
		if oh < 1 || ow < 1 {
			continue
		}
		// Dense rows, or rows of a bordered image (act).
		pitch := w*c + rng.IntN(3)*c
		src := make([]uint8, h*pitch)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		zp := uint8(rng.IntN(256))
		depth := k * k * c
		p0 := rng.IntN(oh * ow)
		p1 := p0 + 1 + rng.IntN(oh*ow-p0)
		col := make([]uint8, (p1-p0)*depth+5)
		for i := range col {
			col[i] = 0xA5
		}
		im2col(col, src, pitch, h, w, c, k, stride, top, left, ow, p0, p1, zp)
		for p := p0; p < p1; p++ {
			y, x := p/ow, p%ow
			for ky := range k {
				for kx := range k {
					for ch := range c {
						iy, ix := y*stride+ky-top, x*stride+kx-left
						want := zp
						if iy >= 0 && iy < h && ix >= 0 && ix < w {
							want = src[iy*pitch+ix*c+ch]
						}
						if got := col[(p-p0)*depth+(ky*k+kx)*c+ch]; got != want {
							t.Fatalf("trial %d %dx%dx%d k=%d s=%d pads %d,%d pixels %d..%d: pixel %d (%d,%d,%d) = %d, want %d",
								trial, h, w, c, k, stride, top, left, p0, p1, p, ky, kx, ch, got, want)
						}
					}
				}
			}
		}
		for _, g := range col[(p1-p0)*depth:] {
			if g != 0xA5 {
				t.Fatalf("trial %d: im2col wrote past its rows", trial)
			}
		}
	}
}
