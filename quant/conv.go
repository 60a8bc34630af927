package quant

// convFast is the convolution the Runner uses: im2col into col, then the
// int8 GEMM of quant/internal/kernel with the same requantization as
// convRef fused in (GemmRequant writes the HWC bytes). The GEMM multiplies raw bytes, so the zero point's share,
// Input.Zero * sum of the weight row, is taken out of the bias beforehand
// (zpBias); padding bytes equal the zero point, so they contribute exactly
// what convRef's real zeros do.
// colChunk is the im2col chunk of convFast: half of a 32 KiB L1 data cache.
const colChunk = 16 << 10

func convFast(c *Conv, dst, src []uint8, h, w int, col []uint8) {
	top, left, _, _ := c.geometry().Pads(h, w)
	oh, ow := c.outSize(h, w)
	n, depth := oh*ow, c.In*c.K*c.K
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
