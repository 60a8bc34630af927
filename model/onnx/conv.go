package onnx

import (
	"math"
	"slices"
)

// conv matches a Conv node and the BatchNormalization after it, if any.
func (w *walker) conv(nd *nodeProto, in shape) (c conv, out string, sh shape, err error) {
	if err = w.take(nd); err != nil {
		return
	}
	c.node = nd
	wt, err := w.floatConst(nd, 1, "weight")
	if err != nil {
		return
	}
	if len(wt.dims) != 4 {
		err = nodeErr(nd, "weight %q has shape %v, want 4 dimensions (out, in, kh, kw)", wt.name, wt.dims)
		return
	}
	c.out, c.k = wt.dims[0], wt.dims[2]
	if c.out < 1 {
		err = nodeErr(nd, "weight %q has shape %v: no output channels", wt.name, wt.dims)
		return
	}
	if k := wt.dims[2]; wt.dims[1] != in.c || k != wt.dims[3] || (k != 1 && k != 3) {
		if k != 1 {
			k = 3
		}
		err = shapeErr(nd, wt.name, []int{c.out, in.c, k, k}, wt.dims)
		return
	}
	if err = c.checkAttrs(nd); err != nil {
		return
	}
	c.dims = slices.Clone(wt.dims)
	c.weight = slices.Clone(wt.f) // batch-norm folding rewrites it
	if len(nd.inputs) > 2 && nd.inputs[2] != "" {
		b, err := w.floatConst(nd, 2, "bias")
		if err != nil {
			return c, "", sh, err
		}
		if !slices.Equal(b.dims, []int{c.out}) {
			return c, "", sh, shapeErr(nd, b.name, []int{c.out}, b.dims)
		}
		c.bias = slices.Clone(b.f)
	}
	p := c.k / 2
	sh = shape{c.out, (in.h+2*p-c.k)/c.stride + 1, (in.w+2*p-c.k)/c.stride + 1}
	if out, err = output(nd); err != nil {
		return
	}
	if cs := w.g.consumers[out]; len(cs) == 1 && cs[0].opType == "BatchNormalization" {
		out, err = w.batchNorm(cs[0], out, &c)
	}
	return c, out, sh, err
}

// checkAttrs refuses what model.Conv cannot run: it has square 1x1 or 3x3
// kernels, equal strides of 1 or 2, symmetric k/2 padding and no groups or
// dilation. Defaults are those of the ONNX Conv operator.
func (c *conv) checkAttrs(nd *nodeProto) error {
	ap, err := stringAttr(nd, "auto_pad", "NOTSET")
	if err != nil {
		return nodeErr(nd, "%v", err)
	}
	if ap != "NOTSET" && ap != "" {
		return nodeErr(nd, "auto_pad %s not supported (want explicit pads)", ap)
	}
	if ks, ok, err := intsAttr(nd, "kernel_shape"); err != nil {
		return nodeErr(nd, "%v", err)
	} else if ok && !slices.Equal(ks, []int64{int64(c.k), int64(c.k)}) {
		return nodeErr(nd, "kernel_shape %v does not match the %dx%d weight", ks, c.k, c.k)
	}
	if g, _, err := intAttr(nd, "group", 1); err != nil {
		return nodeErr(nd, "%v", err)
	} else if g != 1 {
		return nodeErr(nd, "group %d not supported (want 1)", g)
	}
	if d, ok, err := intsAttr(nd, "dilations"); err != nil {
		return nodeErr(nd, "%v", err)
	} else if ok && !slices.Equal(d, []int64{1, 1}) {
		return nodeErr(nd, "dilations %v not supported (want [1 1])", d)
	}
	s, ok, err := intsAttr(nd, "strides")
	if err != nil {
		return nodeErr(nd, "%v", err)
	}
	c.stride = 1
	if ok {
		if len(s) != 2 || s[0] != s[1] || (s[0] != 1 && s[0] != 2) {
			return nodeErr(nd, "strides %v not supported (want [1 1] or [2 2])", s)
		}
		c.stride = int(s[0])
	}
	pads, ok, err := intsAttr(nd, "pads")
	if err != nil {
		return nodeErr(nd, "%v", err)
	}
	p := int64(c.k / 2)
	if !ok {
		pads = []int64{0, 0, 0, 0}
	}
	if len(pads) != 4 || pads[0] != p || pads[1] != p || pads[2] != p || pads[3] != p {
		return nodeErr(nd, "pads %v not supported (want symmetric %d)", pads, p)
	}
	return nil
}

// batchNorm folds an inference-mode BatchNormalization into c, in float64 as
// model.Build does, with the node's own epsilon:
// y = gamma*(conv(x)+b-mean)/sqrt(var+eps) + beta.
func (w *walker) batchNorm(nd *nodeProto, in string, c *conv) (string, error) {
	if err := w.take(nd); err != nil {
		return "", err
	}
	var p [4][]float32
	for k, what := range []string{"scale", "B", "mean", "var"} {
		t, err := w.floatConst(nd, k+1, what)
		if err != nil {
			return "", err
		}
		if !slices.Equal(t.dims, []int{c.out}) {
			return "", shapeErr(nd, t.name, []int{c.out}, t.dims)
		}
		p[k] = t.f
	}
	eps, _, err := floatAttr(nd, "epsilon", 1e-5)
	if err != nil {
		return "", nodeErr(nd, "%v", err)
	}
	// spatial (before opset 9) and training_mode (opset 14) must say "inference, per channel".
	if s, ok, err := intAttr(nd, "spatial", 1); err != nil || (ok && s != 1) {
		return "", nodeErr(nd, "spatial = %d not supported (want 1)", s)
	}
	if t, _, err := intAttr(nd, "training_mode", 0); err != nil || t != 0 {
		return "", nodeErr(nd, "training_mode = %d not supported (export the model in eval mode)", t)
	}
	for k, extra := range nd.outputs {
		if k > 0 && extra != "" && len(w.g.consumers[extra]) > 0 {
			return "", nodeErr(nd, "training output %q is used; export the model in eval mode", extra)
		}
	}
	if c.bias == nil {
		c.bias = make([]float32, c.out)
	}
	per := len(c.weight) / c.out
	for o := 0; o < c.out; o++ {
		v := float64(p[3][o]) + float64(eps)
		if !(v > 0) {
			return "", nodeErr(nd, "variance %v + epsilon %v is not positive for channel %d", p[3][o], eps, o)
		}
		s := float64(p[0][o]) / math.Sqrt(v)
		for i := o * per; i < (o+1)*per; i++ {
			c.weight[i] = float32(float64(c.weight[i]) * s)
		}
		c.bias[o] = float32((float64(c.bias[o])-float64(p[2][o]))*s + float64(p[1][o]))
	}
	return output(nd)
}
