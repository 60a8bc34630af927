package quant

// convFast is the convolution the Runner uses: im2col into col, then the
// int8 GEMM of quant/internal/kernel with the same requantization as
// convRef fused in (GemmRequant writes the HWC bytes). The GEMM multiplies raw bytes, so the zero point's share,
// Input.Zero * sum of the weight row, is taken out of the bias beforehand
// (zpBias); padding bytes equal the zero point, so they contribute exactly
// what convRef's real zeros do.
func convFast(c *Conv, dst, src []uint8, h, w int, col []uint8) {
	top, left, _, _ := c.geometry().Pads(h, w)
	oh, ow := c.outSize(h, w)
	n, depth := oh*ow, c.In*c.K*c.K
	im2col(col, src, h, w, c.In, c.K, c.Stride, top, left, oh, ow, c.Input.Zero)
	c.packed.GemmRequant(n, col, depth, dst, c.Out, c.rq)
}
