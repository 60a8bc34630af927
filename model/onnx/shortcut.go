package onnx

import (
	"fmt"
	"math"
)

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
