package quant

// colChunk is the im2col chunk of convFast: half of a 32 KiB L1 data cache.
const colChunk = 16 << 10

// convFast is the convolution the Runner uses: the int8 GEMM of
// quant/internal/kernel with the same requantization as convRef fused in
// (GemmRequant writes the HWC bytes). The GEMM multiplies raw bytes, so the
// zero point's share, Input.Zero * sum of the weight row, is taken out of
// the bias beforehand (zpBias); padding bytes equal the zero point, so they
// contribute exactly what convRef's real zeros do.
//
// Stride-1 convolutions whose kernel reads patches in place (the 3x3
// convolutions of every stage) skip im2col: the image is copied once into
// pad with its zero-point border, and each output pixel's k patch rows are
// k runs of k*In bytes in it, one padded row apart, for
// GemmRequantSegments. Computed over the padded width, consecutive output
// pixels are In bytes apart; the k-1 extra columns per row land in wide and
// are dropped when its rows are copied to dst. The stem's 3 channels are
// widened to 4 for it (Conv.packedPad). Otherwise im2col writes the
// patches into col, an L1-sized chunk of pixels at a time.
func convFast(c *Conv, dst, src []uint8, h, w int, col, pad, wide []uint8) {
	top, left, bottom, right := c.geometry().Pads(h, w)
	oh, ow := c.outSize(h, w)
	n, depth := oh*ow, c.In*c.K*c.K
	packed, in := c.packed, c.In
	if c.packedPad != nil {
		packed, in = c.packedPad, c.inPad
	}
	if c.Stride == 1 && c.K > 1 && packed.InPlace(c.K*in) {
		ph, pw := h+top+bottom, w+left+right
		if in == c.In {
			padImage(pad, src, h, w, c.In, top, left, bottom, right, c.Input.Zero)
		} else {
			padImageWiden(pad, src, h, w, c.In, in, top, left, bottom, right, c.Input.Zero)
		}
		pad = pad[:ph*pw*in]
		if ow%16 == 0 {
			// Whole VNNI tiles per output row: straight into dst.
			for y := range oh {
				packed.GemmRequantSegments(ow, pad[y*pw*in:], in, c.K, pw*in, dst[y*ow*c.Out:], c.Out, c.rq)
			}
			return
		}
		nw := (oh-1)*pw + ow
		packed.GemmRequantSegments(nw, pad, in, c.K, pw*in, wide, c.Out, c.rq)
		for y := range oh {
			copy(dst[y*ow*c.Out:(y+1)*ow*c.Out], wide[y*pw*c.Out:])
		}
		return
	}
	// Pixels in chunks whose patches fit in about colChunk bytes, a
	// multiple of 16 pixels (the VNNI tile): each chunk's patches are
	// written and multiplied while they are still in the L1 cache.
	step := max(16, colChunk/depth&^15)
	for p := 0; p < n; p += step {
		e := min(p+step, n)
		im2col(col, src, h, w, c.In, c.K, c.Stride, top, left, ow, p, e, c.Input.Zero)
		c.packed.GemmRequant(e-p, col, depth, dst[p*c.Out:], c.Out, c.rq)
	}
}

// padImage copies the h x w x ch image src into pad with top, left, bottom
// and right border pixels of value zp: (h+top+bottom) x (w+left+right) x ch.
func padImage(pad, src []uint8, h, w, ch, top, left, bottom, right int, zp uint8) {
	pw := (w + left + right) * ch
	// The right border of one row and the left border of the next are
	// adjacent: one fill each, between the rows' copies.
	fill(pad[:top*pw+left*ch], zp)
	for y := range h {
		at := (top+y)*pw + left*ch
		copy(pad[at:at+w*ch], src[y*w*ch:(y+1)*w*ch])
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
func padImageWiden(pad, src []uint8, h, w, ch, chPad, top, left, bottom, right int, zp uint8) {
	pw := (w + left + right) * chPad
	fill(pad[:(top+h+bottom)*pw], zp)
	for y := range h {
		row := pad[(top+y)*pw+left*chPad : (top+y)*pw+(left+w)*chPad]
		srow := src[y*w*ch : (y+1)*w*ch]
		for x := range w {
			copy(row[x*chPad:x*chPad+ch], srow[x*ch:(x+1)*ch])
		}
	}
}
