package model

import "github.com/edgecache/edgecache/model/internal/winograd"

// winoConv is a 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (package
// winograd): 16 multiplies per 2x2 outputs and input channel instead of 36.
// Those convolutions are nearly all of a CIFAR ResNet's work, and the direct
// GEMM already runs near the core's peak, so fewer multiplies is where batch-1
// time goes down. It is picked only where the transforms run in assembly
// (winograd.Accelerated): in Go they cost more than the multiplies saved.
// Inputs whose buffers would pass int32 go to the direct path.
type winoConv struct {
	c       *Conv
	f       *winograd.Filter
	direct  *fastConv // for inputs the Winograd layout refuses
	conv    *winograd.Conv
	h, w    int
	useRef  bool // no layout for (h, w): the direct path runs it
	scratch *convScratch
}

// winogradWanted says whether newConvolverShared gives c a winoConv on this
// machine.
func winogradWanted(c *Conv) bool {
	return c.K == 3 && c.Stride == 1 && winograd.Accelerated()
}

func newWinoConv(c *Conv, scratch *convScratch) *winoConv {
	var f *winograd.Filter
	if c.packed != nil {
		f = c.packed.wino
	}
	if f == nil {
		var err error
		if f, err = winograd.NewFilter(c.Weight, c.Bias, c.Out, c.In); err != nil {
			// Only a Conv whose slices disagree with its shape gets here;
			// the direct path reports it the way it always has.
			f = nil
		}
	}
	d := newFastConv(c)
	d.scratch = scratch
	return &winoConv{c: c, f: f, direct: d, scratch: scratch}
}

func (wc *winoConv) plan(h, w int) {
	wc.h, wc.w, wc.conv, wc.useRef = h, w, nil, true
	if wc.f == nil {
		return
	}
	t, l, b, r := wc.c.Pads(h, w)
	g, err := winograd.NewGeometry(wc.c.In, wc.c.Out, h, w, t, l, b, r)
	if err != nil { // no output, or too large for int32 indices
		return
	}
	var pad []float32
	if wc.scratch != nil {
		pad = wc.scratch.get(padLayout{in: g.In, s: 1, h: h, w: w, top: t, left: l, wq: g.WQ, plane: g.Plane, n: g.PadLen(), wino: true})
	}
	if wc.conv, err = winograd.NewConv(wc.f, g, pad); err == nil {
		wc.useRef = false
	}
}

func (wc *winoConv) apply(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	if h != wc.h || w != wc.w || (wc.conv == nil && !wc.useRef) {
		wc.plan(h, w)
	}
	if wc.useRef {
		wc.direct.apply(dst, src, batch, h, w, residual, relu)
		return
	}
	g := wc.conv.Geometry()
	inLen, outLen := g.InLen(), g.OutLen()
	for n := 0; n < batch; n++ {
		var res []float32
		if residual != nil {
			res = residual[n*outLen : (n+1)*outLen]
		}
		wc.conv.Apply(dst[n*outLen:(n+1)*outLen], src[n*inLen:(n+1)*inLen], res, relu)
	}
}
