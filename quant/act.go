package quant

// act is one activation image in a Runner's buffer, HWC: h x w pixels of c
// channels inside a border of b pixels on every side, so that rows are
// pitch() bytes apart. A convolution that pads by at most b reads it in
// place as its padded input, and one that writes it writes only the
// interior: the copy into a padded buffer per convolution is gone. The
// border holds zp, the image's zero point (real zero), which is what
// convolution padding reads; setLayout refills it only when the layout or
// the zero point changes, so a buffer that takes the same layout block after
// block is bordered once. b = 0 is a dense image.
type act struct {
	buf        []uint8
	h, w, c, b int
	zp         uint8
	bordered   bool // the border holds zp for this layout
}

// pitch is the distance in bytes between rows.
func (a *act) pitch() int { return (a.w + 2*a.b) * a.c }

// at is the offset of pixel (y, x); y and x may reach into the border.
func (a *act) at(y, x int) int { return ((a.b+y)*(a.w+2*a.b) + a.b + x) * a.c }

// row is row y's w*c bytes.
func (a *act) row(y int) []uint8 { return a.buf[a.at(y, 0):][:a.w*a.c] }

// setLayout makes a an h x w x c image with a border of b pixels of value
// zp, refilling the border when it is not already so.
func (a *act) setLayout(h, w, c, b int, zp uint8) {
	if a.bordered && a.h == h && a.w == w && a.c == c && a.b == b && a.zp == zp {
		return
	}
	a.h, a.w, a.c, a.b, a.zp = h, w, c, b, zp
	a.bordered = true
	if b == 0 {
		return
	}
	// The top border and row 0's left border are one run, as are each
	// row's right border and the next row's left border.
	p := a.pitch()
	fill(a.buf[:a.at(0, 0)], zp)
	for y := range h {
		end := a.at(y+1, 0)
		if y == h-1 {
			end = (b + h) * p
		}
		fill(a.buf[a.at(y, w):end], zp)
	}
	fill(a.buf[(b+h)*p:(2*b+h)*p], zp)
}

// dense copies a's interior into dst as a dense HWC image.
func (a *act) dense(dst []uint8) []uint8 {
	n := a.w * a.c
	for y := range a.h {
		copy(dst[y*n:(y+1)*n], a.row(y))
	}
	return dst[:a.h*n]
}
