package model

// convolver runs one convolution of a network; prepared once per Conv so that
// fast paths can pack weights ahead of time.
type convolver interface {
	// apply computes dst = [relu](conv(src) + residual), as convRef.
	apply(dst, src []float32, batch, h, w int, residual []float32, relu bool)
}

// newConvolver picks the implementation for c.
func newConvolver(c *Conv) convolver { return refConv{c} }

type refConv struct{ c *Conv }

func (r refConv) apply(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	convRef(r.c, dst, src, batch, h, w, residual, relu)
}
