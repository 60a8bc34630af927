package quant

// convRef is the reference quantized convolution, the specification the fast
// path must match bit for bit (TFLite reference/integer_ops/conv.h, per
// channel). src is h x w x In bytes (HWC), dst oh x ow x Out. Positions
// outside the image read as the input zero point: real zero.
func convRef(c *Conv, dst, src []uint8, h, w int) {
	top, left, _, _ := c.geometry().Pads(h, w)
	oh, ow := c.outSize(h, w)
	zp := int32(c.Input.Zero)
	for y := range oh {
		for x := range ow {
			for o := range c.Out {
				acc := c.Bias[o]
				for i := range c.In {
					for ky := range c.K {
						for kx := range c.K {
							iy, ix := y*c.Stride+ky-top, x*c.Stride+kx-left
							v := zp
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								v = int32(src[(iy*w+ix)*c.In+i])
							}
							acc += int32(c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]) * (v - zp)
						}
					}
				}
				dst[(y*ow+x)*c.Out+o] = c.requantize(acc, o)
			}
		}
	}
}

// requantize turns output channel o's int32 accumulator into its byte:
// rescale, add the output zero point, clamp to 0..255, or to the zero point
// and up when ReLU is fused (TFLite's quantized_activation_min).
func (c *Conv) requantize(acc int32, o int) uint8 {
	v := multiplyByQuantizedMultiplier(acc, c.Mult[o], int(c.Shift[o])) + int32(c.Output.Zero)
	lo := int32(0)
	if c.ReLU {
		lo = int32(c.Output.Zero)
	}
	return uint8(min(max(v, lo), 255))
}
