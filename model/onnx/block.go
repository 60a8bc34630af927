package onnx

import (
	"fmt"
)

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
