package model

// convRef is the reference convolution: the specification every fast path
// must reproduce. src is batch x In x h x w, dst batch x Out x oh x ow. When
// residual is not nil (same shape as dst) it is added before the optional ReLU.
func convRef(c *Conv, dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	top, left, _, _ := c.Pads(h, w)
	oh, ow := c.OutSize(h, w)
	for n := 0; n < batch; n++ {
		in := src[n*c.In*h*w : (n+1)*c.In*h*w]
		out := dst[n*c.Out*oh*ow : (n+1)*c.Out*oh*ow]
		for o := 0; o < c.Out; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					sum := c.Bias[o]
					for i := 0; i < c.In; i++ {
						for ky := 0; ky < c.K; ky++ {
							iy := y*c.Stride + ky - top
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < c.K; kx++ {
								ix := x*c.Stride + kx - left
								if ix < 0 || ix >= w {
									continue
								}
								sum += c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx] * in[(i*h+iy)*w+ix]
							}
						}
					}
					k := (o*oh+y)*ow + x
					if residual != nil {
						sum += residual[n*c.Out*oh*ow+k]
					}
					if relu && sum < 0 {
						sum = 0
					}
					out[k] = sum
				}
			}
		}
	}
}
