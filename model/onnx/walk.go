package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/edgecache/edgecache/model"
)

// The walk follows the image from the graph input to the logits and matches
// what it meets to the layers of a CIFAR ResNet: stem conv and ReLU, residual
// blocks, pooling, flattening and the fully connected layer. It identifies
// tensors by where they are used, never by their names.

type shape struct{ c, h, w int }

func (s shape) String() string { return fmt.Sprintf("[%d %d %d]", s.c, s.h, s.w) }

// conv is one convolution with any batch norm after it folded in.
type conv struct {
	node   *nodeProto
	out, k int
	stride int
	weight []float32 // out x in x k x k
	dims   []int
	bias   []float32 // nil when the file has neither bias nor batch norm
}

type block struct {
	conv1, conv2 conv
	proj         *conv // projection shortcut (kind B)
	optionA      bool  // subsampling and zero-padding shortcut (kind A)
}

// resnet is what the walk found, before canonical names are given.
type resnet struct {
	stem     conv
	blocks   []block
	fcWeight []float32 // classes x 64
	fcBias   []float32
	classes  int
	fcNode   *nodeProto
}

type walker struct {
	g   *graph
	net resnet
}

// take marks a node as matched; a node met twice means the graph loops back.
func (w *walker) take(nd *nodeProto) error {
	if w.g.used[nd] {
		return nodeErr(nd, "reached twice while walking the network")
	}
	w.g.used[nd] = true
	return nil
}

// next returns the single node consuming v, which must be one of ops.
func (w *walker) next(v string, ops ...string) (*nodeProto, error) {
	cs := w.g.consumers[v]
	want := strings.Join(ops, " or ")
	switch len(cs) {
	case 0:
		return nil, fmt.Errorf("onnx: value %q is not used by any node; want %s next", v, want)
	case 1:
	default:
		return nil, fmt.Errorf("onnx: value %q feeds %d nodes (%s); want only %s", v, len(cs), describe(cs), want)
	}
	nd := cs[0]
	if !slices.Contains(ops, nd.opType) {
		return nil, nodeErr(nd, "unexpected after value %q (want %s)", v, want)
	}
	if len(nd.inputs) == 0 || nd.inputs[0] != v {
		return nil, nodeErr(nd, "takes value %q as a parameter, want it as the data input", v)
	}
	return nd, nil
}

func describe(nodes []*nodeProto) string {
	s := make([]string, len(nodes))
	for k, nd := range nodes {
		s[k] = nd.label() + " " + nd.opType
	}
	return strings.Join(s, ", ")
}

func output(nd *nodeProto) (string, error) {
	if len(nd.outputs) == 0 || nd.outputs[0] == "" {
		return "", nodeErr(nd, "has no output")
	}
	return nd.outputs[0], nil
}

// floatConst returns input k of nd, which must be a float constant.
func (w *walker) floatConst(nd *nodeProto, k int, what string) (*tensor, error) {
	if k >= len(nd.inputs) || nd.inputs[k] == "" {
		return nil, nodeErr(nd, "missing input %d (%s)", k, what)
	}
	t, ok := w.g.consts[nd.inputs[k]]
	if !ok {
		return nil, nodeErr(nd, "%s %q is not a constant (an initializer or Constant node)", what, nd.inputs[k])
	}
	if t.isInt {
		return nil, nodeErr(nd, "%s %q holds integers, want floats", what, t.name)
	}
	return t, nil
}

// intConst returns input k of nd as integers, or nil when the input is omitted.
func (w *walker) intConst(nd *nodeProto, k int, what string) ([]int64, error) {
	if k >= len(nd.inputs) || nd.inputs[k] == "" {
		return nil, nil
	}
	t, ok := w.g.consts[nd.inputs[k]]
	if !ok {
		return nil, nodeErr(nd, "%s %q is not a constant", what, nd.inputs[k])
	}
	v, err := t.ints()
	if err != nil {
		return nil, nodeErr(nd, "%s: %v", what, err)
	}
	return v, nil
}

func shapeErr(nd *nodeProto, name string, want, got []int) error {
	return nodeErr(nd, "%w", &model.ShapeError{Name: name, Want: want, Got: got})
}

// walk matches the whole graph; every node computing on the image must be
// part of the network.
func (g *graph) walk() (*resnet, error) {
	w := &walker{g: g}
	cur, sh := g.input, shape{model.InputChannels, model.InputSize, model.InputSize}
	nd, err := w.next(cur, "Conv")
	if err != nil {
		return nil, err
	}
	if w.net.stem, cur, sh, err = w.conv(nd, sh); err != nil {
		return nil, err
	}
	if cur, err = w.relu(cur); err != nil {
		return nil, err
	}
	for {
		cs := g.consumers[cur]
		if len(cs) == 1 && (cs[0].opType == "GlobalAveragePool" || cs[0].opType == "AveragePool" || cs[0].opType == "ReduceMean") {
			break
		}
		var b block
		if b, cur, sh, err = w.block(cur, sh); err != nil {
			return nil, err
		}
		w.net.blocks = append(w.net.blocks, b)
	}
	if err := w.tail(cur, sh); err != nil {
		return nil, err
	}
	for _, nd := range g.nodes {
		if !g.used[nd] {
			return nil, nodeErr(nd, "is not on the path from the input to the logits")
		}
	}
	return &w.net, nil
}

func (w *walker) relu(v string) (string, error) {
	nd, err := w.next(v, "Relu")
	if err != nil {
		return "", err
	}
	if err := w.take(nd); err != nil {
		return "", err
	}
	return output(nd)
}

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

// block matches one residual block starting at value in: its two
// convolutions, the shortcut, the Add and the final ReLU.
func (w *walker) block(in string, sh shape) (b block, out string, osh shape, err error) {
	cs := w.g.consumers[in]
	if len(cs) != 2 {
		err = fmt.Errorf("onnx: value %q feeds %d nodes (%s); a residual block's input feeds two, its first Conv and its shortcut",
			in, len(cs), describe(cs))
		return
	}
	main, short := cs[0], cs[1]
	if !w.isMainConv(main) {
		main, short = short, main
	}
	if !w.isMainConv(main) {
		err = fmt.Errorf("onnx: value %q feeds %s; want a 3x3 Conv starting a residual block", in, describe(cs))
		return
	}
	if main.inputs[0] != in {
		err = nodeErr(main, "takes value %q as a parameter, want it as the data input", in)
		return
	}
	var mid string
	var msh shape
	if b.conv1, mid, msh, err = w.conv(main, sh); err != nil {
		return
	}
	if mid, err = w.relu(mid); err != nil {
		return
	}
	nd, err := w.next(mid, "Conv")
	if err != nil {
		return
	}
	if b.conv2, mid, osh, err = w.conv(nd, msh); err != nil {
		return
	}
	add, err := w.next(mid, "Add")
	if err != nil {
		return
	}
	if err = w.take(add); err != nil {
		return
	}
	if len(add.inputs) != 2 {
		err = nodeErr(add, "has %d inputs, want 2", len(add.inputs))
		return
	}
	residual := add.inputs[1]
	if add.inputs[1] == mid {
		residual = add.inputs[0]
	}
	var rsh shape
	switch {
	case short == add:
		if residual != in {
			err = nodeErr(add, "adds %q, want the block input %q", residual, in)
			return
		}
		rsh = sh
	case short.opType == "Conv":
		var p conv
		var pout string
		if p, pout, rsh, err = w.conv(short, sh); err != nil {
			return
		}
		if pout != residual {
			err = nodeErr(add, "adds %q, want the projection shortcut's output %q", residual, pout)
			return
		}
		b.proj = &p
	case short.opType == "Slice":
		b.optionA = true
		var step int
		if rsh, step, err = w.optionA(short, in, residual, sh, osh); err != nil {
			return
		}
		if step != b.conv1.stride {
			err = nodeErr(short, "option-A shortcut subsamples with step %d, but the block's first Conv has stride %d", step, b.conv1.stride)
			return
		}
	default:
		err = nodeErr(short, "unexpected as a residual shortcut (want the Add for identity, a 1x1 Conv for a projection, or Slice and Pad for option A)")
		return
	}
	if rsh != osh {
		err = nodeErr(add, "adds a %v residual to a %v block output", rsh, osh)
		return
	}
	if out, err = output(add); err != nil {
		return
	}
	out, err = w.relu(out)
	return
}

// isMainConv tells a block's first Conv from a projection shortcut, which
// is 1x1; any other kernel is taken as the main path, so that a wrong one is
// reported as a shape error there.
func (w *walker) isMainConv(nd *nodeProto) bool {
	if nd.opType != "Conv" || len(nd.inputs) < 2 {
		return false
	}
	t, ok := w.g.consts[nd.inputs[1]]
	return ok && len(t.dims) == 4 && t.dims[2] != 1
}

// optionA matches the option-A shortcut, as torch.onnx.export writes
// akamaster's F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p)): one or more Slice
// nodes subsampling the planes, then a Pad adding zero channels either side.
// model's shortcutA puts the input channels at (out-in)/2, so the pads must too.
func (w *walker) optionA(nd *nodeProto, in, residual string, sh, want shape) (shape, int, error) {
	type axis struct{ first, step, count int }
	ax := [2]axis{{0, 1, sh.h}, {0, 1, sh.w}}
	v := in
	padBefore, padAfter := 0, 0
	for v != residual {
		if nd == nil {
			var err error
			if nd, err = w.next(v, "Slice", "Pad"); err != nil {
				return shape{}, 0, err
			}
		}
		if err := w.take(nd); err != nil {
			return shape{}, 0, err
		}
		if nd.inputs[0] != v {
			return shape{}, 0, nodeErr(nd, "takes value %q as a parameter, want it as the data input", v)
		}
		switch nd.opType {
		case "Slice":
			in := make([]*tensor, len(nd.inputs))
			for k := 1; k < len(nd.inputs); k++ {
				if nd.inputs[k] == "" {
					continue
				}
				t, ok := w.g.consts[nd.inputs[k]]
				if !ok {
					return shape{}, 0, nodeErr(nd, "slice bound %q is not a constant", nd.inputs[k])
				}
				in[k] = t
			}
			starts, ends, axes, steps, err := sliceParams(nd, in)
			if err != nil {
				return shape{}, 0, nodeErr(nd, "%v", err)
			}
			for k := range starts {
				a := int64(k)
				if axes != nil {
					a = axes[k]
				}
				a2, err := normAxis(a, 4)
				if err != nil {
					return shape{}, 0, nodeErr(nd, "%v", err)
				}
				st := int64(1)
				if steps != nil {
					st = steps[k]
				}
				switch a2 {
				case 0:
					if starts[k] != 0 || st != 1 || ends[k] < math.MaxInt32 {
						return shape{}, 0, nodeErr(nd, "slices the batch axis; an option-A shortcut slices only the planes")
					}
				case 1:
					c := sh.c + padBefore + padAfter
					if f, s, n, err := sliceRange(starts[k], ends[k], st, c); err != nil || f != 0 || s != 1 || n != c {
						return shape{}, 0, nodeErr(nd, "slices the channel axis; an option-A shortcut slices only the planes")
					}
				default:
					p := &ax[a2-2]
					f, s, n, err := sliceRange(starts[k], ends[k], st, p.count)
					if err != nil || s < 1 {
						return shape{}, 0, nodeErr(nd, "slice of axis %d (start %d, end %d, step %d) not supported", a2, starts[k], ends[k], st)
					}
					p.first, p.step, p.count = p.first+f*p.step, p.step*s, n
				}
			}
		case "Pad":
			pb, pa, err := w.channelPads(nd)
			if err != nil {
				return shape{}, 0, err
			}
			padBefore, padAfter = padBefore+pb, padAfter+pa
		}
		var err error
		if v, err = output(nd); err != nil {
			return shape{}, 0, err
		}
		nd = nil
	}
	got := shape{sh.c + padBefore + padAfter, ax[0].count, ax[1].count}
	if ax[0].first != 0 || ax[1].first != 0 || ax[0].step != ax[1].step {
		return got, 0, fmt.Errorf("onnx: option-A shortcut into %q subsamples rows from %d step %d and columns from %d step %d; want both from 0 with the same step",
			residual, ax[0].first, ax[0].step, ax[1].first, ax[1].step)
	}
	if got == want && padBefore != (want.c-sh.c)/2 {
		return got, 0, fmt.Errorf("onnx: option-A shortcut into %q pads %d channels before and %d after; the model puts the input channels at %d",
			residual, padBefore, padAfter, (want.c-sh.c)/2)
	}
	return got, ax[0].step, nil
}

// channelPads reads a Pad that adds zero channels and nothing else, and
// returns how many before and after. pads list every axis's begin, then every
// axis's end (ONNX Pad); they are an input from opset 11, an attribute before.
func (w *walker) channelPads(nd *nodeProto) (before, after int, err error) {
	mode, err := stringAttr(nd, "mode", "constant")
	if err != nil || mode != "constant" {
		return 0, 0, nodeErr(nd, "mode %q not supported (want constant)", mode)
	}
	pads, ok, err := intsAttr(nd, "pads")
	if err != nil {
		return 0, 0, nodeErr(nd, "%v", err)
	}
	if !ok {
		if pads, err = w.intConst(nd, 1, "pads"); err != nil {
			return 0, 0, err
		}
		if pads == nil {
			return 0, 0, nodeErr(nd, "has no pads")
		}
	}
	value := float32(0)
	if len(nd.inputs) > 2 && nd.inputs[2] != "" {
		t, err := w.floatConst(nd, 2, "constant_value")
		if err != nil {
			return 0, 0, err
		}
		if len(t.f) != 1 {
			return 0, 0, nodeErr(nd, "constant_value holds %d values, want 1", len(t.f))
		}
		value = t.f[0]
	} else if value, _, err = floatAttr(nd, "value", 0); err != nil {
		return 0, 0, nodeErr(nd, "%v", err)
	}
	if value != 0 {
		return 0, 0, nodeErr(nd, "pads with %v, want zeros", value)
	}
	axes := []int64{0, 1, 2, 3}
	if a, err := w.intConst(nd, 3, "axes"); err != nil {
		return 0, 0, err
	} else if a != nil {
		axes = a
	}
	if len(pads) != 2*len(axes) {
		return 0, 0, nodeErr(nd, "%d pads for %d axes", len(pads), len(axes))
	}
	for k, a := range axes {
		a2, err := normAxis(a, 4)
		if err != nil {
			return 0, 0, nodeErr(nd, "%v", err)
		}
		b, e := pads[k], pads[k+len(axes)]
		if a2 != 1 && (b != 0 || e != 0) {
			return 0, 0, nodeErr(nd, "pads %v pad axis %d; an option-A shortcut pads only channels", pads, a2)
		}
		if a2 == 1 {
			if b < 0 || e < 0 || b > 1<<16 || e > 1<<16 {
				return 0, 0, nodeErr(nd, "channel pads %d and %d not supported", b, e)
			}
			before, after = int(b), int(e)
		}
	}
	return before, after, nil
}

// tail matches global average pooling, flattening and the fully connected
// layer, which must produce a graph output.
func (w *walker) tail(v string, sh shape) error {
	nd, err := w.next(v, "GlobalAveragePool", "AveragePool", "ReduceMean")
	if err != nil {
		return err
	}
	if err := w.take(nd); err != nil {
		return err
	}
	if err := w.checkPool(nd, sh); err != nil {
		return err
	}
	flat := false
	if nd.opType == "ReduceMean" {
		k, _, _ := intAttr(nd, "keepdims", 1)
		flat = k == 0
	}
	if v, err = output(nd); err != nil {
		return err
	}
	for {
		if nd, err = w.next(v, "Flatten", "Reshape", "Squeeze", "Gemm", "MatMul"); err != nil {
			return err
		}
		if nd.opType == "Gemm" || nd.opType == "MatMul" {
			break
		}
		if err := w.take(nd); err != nil {
			return err
		}
		if err := w.checkFlatten(nd, sh.c); err != nil {
			return err
		}
		flat = true
		if v, err = output(nd); err != nil {
			return err
		}
	}
	if !flat {
		return nodeErr(nd, "applied to the pooled %v value without flattening it", shape{sh.c, 1, 1})
	}
	if err := w.take(nd); err != nil {
		return err
	}
	w.net.fcNode = nd
	if v, err = w.dense(nd, sh.c); err != nil {
		return err
	}
	if cs := w.g.consumers[v]; len(cs) > 0 {
		return nodeErr(cs[0], "after the logits %q is not supported (the network must end with its fully connected layer)", v)
	}
	if !slices.Contains(w.g.outputs, v) {
		return fmt.Errorf("onnx: the logits %q are not a graph output", v)
	}
	return nil
}

func (w *walker) checkPool(nd *nodeProto, sh shape) error {
	switch nd.opType {
	case "AveragePool":
		ks, _, err := intsAttr(nd, "kernel_shape")
		if err != nil || !slices.Equal(ks, []int64{int64(sh.h), int64(sh.w)}) {
			return nodeErr(nd, "kernel_shape %v, want the whole %dx%d plane", ks, sh.h, sh.w)
		}
		if p, ok, _ := intsAttr(nd, "pads"); ok && slices.ContainsFunc(p, func(v int64) bool { return v != 0 }) {
			return nodeErr(nd, "pads %v not supported", p)
		}
		if ap, _ := stringAttr(nd, "auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" && ap != "" {
			return nodeErr(nd, "auto_pad %s not supported", ap)
		}
	case "ReduceMean":
		axes, ok, err := intsAttr(nd, "axes")
		if err != nil {
			return nodeErr(nd, "%v", err)
		}
		if !ok {
			if axes, err = w.intConst(nd, 1, "axes"); err != nil {
				return err
			}
		}
		set := map[int]bool{}
		for _, a := range axes {
			if k, err := normAxis(a, 4); err == nil {
				set[k] = true
			}
		}
		if len(axes) != 2 || !set[2] || !set[3] {
			return nodeErr(nd, "axes %v, want the planes [2 3]", axes)
		}
	}
	return nil
}

// checkFlatten accepts the ways exporters turn the pooled [N C 1 1] into [N C].
func (w *walker) checkFlatten(nd *nodeProto, c int) error {
	switch nd.opType {
	case "Flatten":
		a, _, err := intAttr(nd, "axis", 1)
		if err != nil || (a != 1 && a != -3) {
			return nodeErr(nd, "axis %d not supported (want 1)", a)
		}
	case "Reshape":
		s, err := w.intConst(nd, 1, "shape")
		if err != nil {
			return err
		}
		// s[0] is the batch: kept (0), inferred (-1), 1 for a batch-1
		// export, or the input's own batch size read with Shape.
		if len(s) != 2 || !(s[0] == -1 || s[0] == 0 || s[0] == 1 || s[0] == batchDim) || !(s[1] == int64(c) || (s[1] == -1 && s[0] != -1)) {
			return nodeErr(nd, "shape %v not supported (want [N %d])", s, c)
		}
	case "Squeeze":
		axes, ok, err := intsAttr(nd, "axes")
		if err != nil {
			return nodeErr(nd, "%v", err)
		}
		if !ok {
			if axes, err = w.intConst(nd, 1, "axes"); err != nil {
				return err
			}
		}
		for _, a := range axes {
			if k, err := normAxis(a, 4); err != nil || k < 2 {
				return nodeErr(nd, "axes %v not supported (want [2 3])", axes)
			}
		}
	}
	return nil
}

// dense matches Gemm, or MatMul with an optional bias Add, and returns the
// logits' value name.
func (w *walker) dense(nd *nodeProto, in int) (string, error) {
	bt, err := w.floatConst(nd, 1, "weight")
	if err != nil {
		return "", err
	}
	transB := int64(0)
	if nd.opType == "Gemm" {
		for _, a := range []string{"alpha", "beta"} {
			if v, _, err := floatAttr(nd, a, 1); err != nil || v != 1 {
				return "", nodeErr(nd, "%s = %v not supported (want 1)", a, v)
			}
		}
		if t, _, err := intAttr(nd, "transA", 0); err != nil || t != 0 {
			return "", nodeErr(nd, "transA = %d not supported (want 0)", t)
		}
		if transB, _, err = intAttr(nd, "transB", 0); err != nil || (transB != 0 && transB != 1) {
			return "", nodeErr(nd, "transB = %d not supported", transB)
		}
	}
	if len(bt.dims) != 2 {
		return "", nodeErr(nd, "weight %q has shape %v, want 2 dimensions", bt.name, bt.dims)
	}
	if transB == 1 {
		w.net.classes = bt.dims[0]
		if bt.dims[1] != in {
			return "", shapeErr(nd, bt.name, []int{bt.dims[0], in}, bt.dims)
		}
		w.net.fcWeight = slices.Clone(bt.f)
	} else {
		w.net.classes = bt.dims[1]
		if bt.dims[0] != in {
			return "", shapeErr(nd, bt.name, []int{in, bt.dims[1]}, bt.dims)
		}
		k := w.net.classes
		w.net.fcWeight = make([]float32, len(bt.f))
		for i := 0; i < in; i++ {
			for o := 0; o < k; o++ {
				w.net.fcWeight[o*in+i] = bt.f[i*k+o]
			}
		}
	}
	out, err := output(nd)
	if err != nil {
		return "", err
	}
	bias := func(bn *nodeProto, k int) error {
		b, err := w.floatConst(bn, k, "bias")
		if err != nil {
			return err
		}
		if !slices.Equal(b.dims, []int{w.net.classes}) && !slices.Equal(b.dims, []int{1, w.net.classes}) {
			return shapeErr(bn, b.name, []int{w.net.classes}, b.dims)
		}
		w.net.fcBias = slices.Clone(b.f)
		return nil
	}
	if nd.opType == "Gemm" {
		if len(nd.inputs) > 2 && nd.inputs[2] != "" {
			if err := bias(nd, 2); err != nil {
				return "", err
			}
		}
		return out, nil
	}
	cs := w.g.consumers[out]
	if len(cs) != 1 || cs[0].opType != "Add" {
		return out, nil
	}
	add := cs[0]
	if err := w.take(add); err != nil {
		return "", err
	}
	if len(add.inputs) != 2 {
		return "", nodeErr(add, "has %d inputs, want 2", len(add.inputs))
	}
	k := 1
	if add.inputs[1] == out {
		k = 0
	}
	if err := bias(add, k); err != nil {
		return "", err
	}
	return output(add)
}
