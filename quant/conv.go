package quant

import "github.com/edgecache/edgecache/quant/internal/kernel"

// colChunk is the im2col chunk of convFast: half of a 32 KiB L1 data cache.
const colChunk = 16 << 10

// convFast is the convolution the Runner uses: the int8 GEMM of
// quant/internal/kernel with the same requantization as convRef fused in
// (GemmRequant writes the HWC bytes). The GEMM multiplies raw bytes, so the
// zero point's share, Input.Zero * sum of the weight row, is taken out of
// the bias beforehand (zpBias); padding bytes equal the zero point, so they
// contribute exactly what convRef's real zeros do.
//
// Where the kernel reads patches in place (GridRows), which on a VNNI core
// is every convolution of a CIFAR ResNet, stride 2 and 1x1 shortcuts
// included, there is no im2col: each output pixel's k patch rows are k runs
// of k*In bytes of the image with its zero-point border, one padded row
// apart, stride*In bytes from the previous pixel's, for GemmRequantGrid,
// which writes dst directly. The Runner keeps the images that convolutions
// read with that border (act.go) and has each convolution write its output
// into the next one's bordered image, so nothing is copied; convFast, on
// dense images, copies the image into pad first. The stem's 3 channels are
// widened to 4 for it (Conv.packedPad, written so by stemInput). Other stride-1 convolutions in
// place are computed over the padded width into wide, whose k-1 extra
// columns per row are dropped when its rows are copied to dst. Otherwise
// im2col writes the patches into col, an L1-sized chunk of pixels at a time.
func convFast(c *Conv, dst, src []uint8, h, w int, col, pad, wide []uint8) {
	p := planConv(c, dst, src, h, w, pad, wide)
	p.part(0, p.units, col)
	p.finish()
}

// convPlan is one convolution cut into units of work that share nothing
// but their inputs, so that threads can compute disjoint ranges of them
// (team.go): one or two output rows (grid), runs of 16 pixels of the
// padded-width output (in place otherwise), or runs of 16 output pixels
// (im2col, each thread with its own col).
type convPlan struct {
	c          *Conv
	dst, src   []uint8 // dst from output pixel (0, 0), ldRow bytes per row; src likewise, srcRow
	ldRow      int
	srcRow     int
	h, w       int
	top, left  int
	oh, ow     int
	n, depth   int
	units      int
	packed     *kernel.Weights
	in, ph, pw int
	pad, wide  []uint8
	inPlace    bool
	denseOut   bool // dst rows are contiguous (im2col writes them directly)
	gridRows   int  // > 0: in place, units of gridRows output rows straight into dst
	wideN      int  // in place into wide: pixels of the padded-width output
	stepPixels int  // im2col: pixels per chunk
}

// planConv prepares c on the dense h x w image src, writing dense dst: the
// padded copy for the in-place paths is made here, before any unit runs.
func planConv(c *Conv, dst, src []uint8, h, w int, pad, wide []uint8) convPlan {
	oh, ow := c.outSize(h, w)
	d := act{buf: dst, h: oh, w: ow, c: c.Out}
	x := act{buf: src, h: h, w: w, c: c.In}
	return planConvAct(c, &d, &x, pad, wide)
}

// planConvAct prepares c reading the image src and writing the image dst
// (act.go). An in-place plan reads src where it is when its border covers
// the convolution's padding, and copies it into pad with the border
// otherwise; dst's interior is written and its border left alone.
func planConvAct(c *Conv, dst, src *act, pad, wide []uint8) convPlan {
	p := layoutConv(c, src.h, src.w)
	p.dst, p.ldRow = dst.buf[dst.at(0, 0):], dst.pitch()
	p.denseOut = dst.b == 0
	if !p.inPlace {
		p.src, p.srcRow = src.buf[src.at(0, 0):], src.pitch()
		p.wide = wide // the output when dst is not dense, copied by finish
		return p
	}
	h, w := src.h, src.w
	bottom, right := p.ph-h-p.top, p.pw-w-p.left
	switch {
	case p.in == c.In && max(p.top, p.left, bottom, right) <= src.b:
		p.pad = src.buf[src.at(-p.top, -p.left):]
		p.pw = src.w + 2*src.b
	case p.in != c.In:
		padImageWiden(pad, src.buf[src.at(0, 0):], src.pitch(), h, w, c.In, p.in, p.top, p.left, bottom, right, c.Input.Zero)
		p.pad = pad[:p.ph*p.pw*p.in]
	default:
		padImage(pad, src.buf[src.at(0, 0):], src.pitch(), h, w, c.In, p.top, p.left, bottom, right, c.Input.Zero)
		p.pad = pad[:p.ph*p.pw*p.in]
	}
	p.setWide(wide)
	return p
}

// planConvPadded is planConv for an input already in the padded layout
// the plan reads (c.readsPadded), as the Runner writes the stem's: padded
// holds ph x pw pixels of p.in channels, borders and extra channels set to
// the input's zero point.
func planConvPadded(c *Conv, dst *act, padded []uint8, h, w int, wide []uint8) convPlan {
	p := layoutConv(c, h, w)
	p.dst, p.ldRow, p.denseOut = dst.buf[dst.at(0, 0):], dst.pitch(), dst.b == 0
	p.pad = padded[:p.ph*p.pw*p.in]
	p.setWide(wide)
	return p
}

// readsPadded reports whether c on an h x w image reads its input in place
// from a padded copy, and its size: ph x pw pixels of in channels.
func (c *Conv) readsPadded(h, w int) (ok bool, ph, pw, in int) {
	p := layoutConv(c, h, w)
	return p.inPlace, p.ph, p.pw, p.in
}

// layoutConv chooses how c runs on an h x w image: in place from a padded
// copy (grid rows, or the padded-width output), or by im2col chunks.
func layoutConv(c *Conv, h, w int) convPlan {
	top, left, bottom, right := c.geometry().Pads(h, w)
	oh, ow := c.outSize(h, w)
	p := convPlan{c: c, h: h, w: w, top: top, left: left, oh: oh, ow: ow,
		n: oh * ow, depth: c.In * c.K * c.K, packed: c.packed, in: c.In}
	if c.packedPad != nil {
		p.packed, p.in = c.packedPad, c.inPad
	}
	seg := c.K * p.in
	gridRows := p.packed.GridRows(seg, ow)
	if gridRows > 0 && oh%gridRows != 0 {
		gridRows = 0
	}
	if gridRows == 0 && (c.Stride != 1 || c.K == 1 || !p.packed.InPlace(seg)) {
		// Pixels in chunks whose patches fit in about colChunk bytes, a
		// multiple of 16 pixels (the VNNI tile): each chunk's patches are
		// written and multiplied while they are still in the L1 cache.
		p.stepPixels = max(16, colChunk/p.depth&^15)
		p.units = (p.n + 15) / 16
		return p
	}
	p.inPlace = true
	p.ph, p.pw = h+top+bottom, w+left+right
	p.gridRows = gridRows
	return p
}

// setWide sets the units of an in-place plan once its padded row width pw
// is known: grid rows, or the padded-width output into wide.
func (p *convPlan) setWide(wide []uint8) {
	if p.gridRows > 0 {
		p.units = p.oh / p.gridRows
		return
	}
	p.wide = wide
	p.wideN = (p.oh-1)*p.pw + p.ow
	p.units = (p.wideN + 15) / 16
}

// part computes units lo..hi-1 of the plan; col is this thread's im2col
// buffer (colChunk-sized chunks of patches).
func (p *convPlan) part(lo, hi int, col []uint8) {
	c := p.c
	switch {
	case lo >= hi:
	case p.gridRows > 0:
		y := lo * p.gridRows
		rowStride := c.Stride * p.pw * p.in
		p.packed.GemmRequantGrid((hi-lo)*p.gridRows, p.ow, p.pad[y*rowStride:], rowStride, c.Stride*p.in, c.K, p.pw*p.in,
			p.dst[y*p.ldRow:], c.Out, p.ldRow, c.rq)
	case p.inPlace:
		a, e := lo*16, min(hi*16, p.wideN)
		p.packed.GemmRequantSegments(e-a, p.pad[a*p.in:], p.in, c.K, p.pw*p.in, p.wide[a*c.Out:], c.Out, c.rq)
	default:
		out := p.dst
		if !p.denseOut {
			out = p.wide
		}
		end := min(hi*16, p.n)
		for a := lo * 16; a < end; a += p.stepPixels {
			e := min(a+p.stepPixels, end)
			im2col(col, p.src, p.srcRow, p.h, p.w, c.In, c.K, c.Stride, p.top, p.left, p.ow, a, e, c.Input.Zero)
			c.packed.GemmRequant(e-a, col, p.depth, out[a*c.Out:], c.Out, c.rq)
		}
	}
}

// finish copies the rows of an output computed elsewhere into dst, once
// every unit has run: the padded-width output without its extra columns,
// or im2col's dense output into a bordered image.
func (p *convPlan) finish() {
	out := p.c.Out
	switch {
	case p.gridRows > 0:
	case p.inPlace:
		for y := range p.oh {
			copy(p.dst[y*p.ldRow:][:p.ow*out], p.wide[y*p.pw*out:])
		}
	case !p.denseOut:
		for y := range p.oh {
			copy(p.dst[y*p.ldRow:][:p.ow*out], p.wide[y*p.ow*out:])
		}
	}
}

// padImage copies the h x w x ch image src, rows srcRow bytes apart, into
// pad with top, left, bottom and right border pixels of value zp:
// (h+top+bottom) x (w+left+right) x ch.
func padImage(pad, src []uint8, srcRow, h, w, ch, top, left, bottom, right int, zp uint8) {
	pw := (w + left + right) * ch
	// The right border of one row and the left border of the next are
	// adjacent: one fill each, between the rows' copies.
	fill(pad[:top*pw+left*ch], zp)
	for y := range h {
		at := (top+y)*pw + left*ch
		copy(pad[at:at+w*ch], src[y*srcRow:][:w*ch])
		end := (top + y + 1) * pw
		if y < h-1 {
			end += left * ch
		}
		fill(pad[at+w*ch:end], zp)
	}
	fill(pad[(top+h)*pw:(top+h+bottom)*pw], zp)
}

// padImageWiden is padImage for an image of ch channels widened to chPad,
// the extra channels zp (their weights are zero, so any value would do).
func padImageWiden(pad, src []uint8, srcRow, h, w, ch, chPad, top, left, bottom, right int, zp uint8) {
	pw := (w + left + right) * chPad
	fill(pad[:(top+h+bottom)*pw], zp)
	for y := range h {
		row := pad[(top+y)*pw+left*chPad : (top+y)*pw+(left+w)*chPad]
		srow := src[y*srcRow:][:w*ch]
		for x := range w {
			copy(row[x*chPad:x*chPad+ch], srow[x*ch:(x+1)*ch])
		}
	}
}
