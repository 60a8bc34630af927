package onnx

import (
	"fmt"
	"math"
	"slices"
)

// Exporters leave small integer subgraphs in the file instead of constants:
// torch.onnx.export computes F.pad's pads with ConstantOfShape, Concat,
// Reshape, a reversing Slice, Transpose and Cast, because its constant folder
// does not fold Slice with a step other than 1. These ops are evaluated here
// whenever all their inputs are constant, so the graph walk sees plain values.

// constOps are the ops evaluated on constant inputs.
var constOps = map[string]bool{
	"Constant": true, "Identity": true, "Cast": true, "ConstantOfShape": true, "Concat": true,
	"Reshape": true, "Slice": true, "Transpose": true, "Squeeze": true, "Unsqueeze": true,
	"Shape": true, "Gather": true, "Add": true, "Sub": true, "Mul": true,
}

// Shape of a value computed from the image is known except for its batch
// size, which akamaster-style exports read for x.view(x.size(0), -1). Such a
// Shape folds to these markers: batchDim for dimension 0, unknownDim for the
// rest (the folder does not track activation shapes). Data-movement ops carry
// them; arithmetic, casts and slice bounds refuse them; they are accepted in
// one place only, as the batch dimension of the Reshape before the final layer.
// The values are far from those exporters write (torch writes MinInt64+1 as a
// reversing Slice's end); a file that used them would fail in any runtime.
const (
	batchDim   = math.MinInt64 + 0x0ba7c4
	unknownDim = batchDim + 1
)

func symbolic(v []int64) bool {
	return slices.ContainsFunc(v, func(x int64) bool { return x == batchDim || x == unknownDim })
}

// imageShape folds Shape of a value computed from the image, taken as rank 4
// ([N C H W]); a wrong rank only ever yields unknownDim where it matters.
func imageShape(nd *nodeProto) (*tensor, error) {
	x := &tensor{dims: []int{0, 0, 0, 0}}
	out, err := shapeOf(nd, []*tensor{x})
	if err != nil {
		return nil, nodeErr(nd, "%v", err)
	}
	for k := range out.i {
		out.i[k] = unknownDim
	}
	if start, _, _ := intAttr(nd, "start", 0); len(out.i) > 0 && (start == 0 || start == -4) {
		out.i[0] = batchDim
	}
	return out, nil
}

// maxFolded bounds the values all folded tensors may hold together, so that
// a file cannot make the importer allocate without limit (a chain of Concats
// doubles its size at every node). Real shape arithmetic needs a few dozen.
const maxFolded = 1 << 22

// evalConst evaluates a constant op; in holds its inputs, nil where omitted.
func evalConst(nd *nodeProto, in []*tensor, budget *int) (*tensor, error) {
	out, err := evalOp(nd, in)
	if err != nil {
		return nil, nodeErr(nd, "%v", err)
	}
	*budget -= out.len()
	if *budget < 0 {
		return nil, nodeErr(nd, "constant subgraph grows past %d values", maxFolded)
	}
	return out, nil
}

func input(in []*tensor, k int, what string) (*tensor, error) {
	if k >= len(in) || in[k] == nil {
		return nil, fmt.Errorf("missing input %d (%s)", k, what)
	}
	return in[k], nil
}

func evalOp(nd *nodeProto, in []*tensor) (*tensor, error) {
	switch nd.opType {
	case "Constant":
		return constantValue(nd)
	case "Identity":
		return input(in, 0, "input")
	case "Cast":
		x, err := input(in, 0, "input")
		if err != nil {
			return nil, err
		}
		to, _, err := intAttr(nd, "to", 0)
		if err != nil {
			return nil, err
		}
		return cast(x, to)
	case "ConstantOfShape":
		return constantOfShape(nd, in)
	case "Concat":
		return concat(nd, in)
	case "Reshape":
		return reshapeConst(nd, in)
	case "Slice":
		return sliceConst(nd, in)
	case "Transpose":
		return transpose(nd, in)
	case "Squeeze", "Unsqueeze":
		return squeeze(nd, in)
	case "Shape":
		return shapeOf(nd, in)
	case "Gather":
		return gatherOp(nd, in)
	case "Add", "Sub", "Mul":
		return arith(nd, in)
	}
	return nil, fmt.Errorf("not a constant op")
}

func constantValue(nd *nodeProto) (*tensor, error) {
	if len(nd.attrs) != 1 {
		return nil, fmt.Errorf("has %d attributes, want exactly one value", len(nd.attrs))
	}
	a := nd.attrs[0]
	switch a.name {
	case "value":
		if a.t == nil {
			return nil, fmt.Errorf("attribute value holds no tensor")
		}
		return fromProto(a.t)
	case "value_float":
		return &tensor{f: []float32{a.f}}, nil
	case "value_floats":
		return &tensor{dims: []int{len(a.floats)}, f: a.floats}, nil
	case "value_int":
		return &tensor{isInt: true, i: []int64{a.i}}, nil
	case "value_ints":
		return &tensor{dims: []int{len(a.ints)}, isInt: true, i: a.ints}, nil
	}
	return nil, fmt.Errorf("attribute %q not supported", a.name)
}

func cast(x *tensor, to int64) (*tensor, error) {
	out := &tensor{dims: x.dims}
	switch to {
	case typeFloat:
		if symbolic(x.i) {
			return nil, fmt.Errorf("cannot cast the image's shape to float")
		}
		out.f = make([]float32, x.len())
		for k := range out.f {
			if x.isInt {
				out.f[k] = float32(x.i[k])
			} else {
				out.f[k] = x.f[k]
			}
		}
	case typeInt64, typeInt32:
		out.isInt = true
		out.i = make([]int64, x.len())
		for k := range out.i {
			v := int64(0)
			if x.isInt {
				v = x.i[k]
			} else {
				f := float64(x.f[k])
				if math.IsNaN(f) || math.Abs(f) >= 1<<62 {
					return nil, fmt.Errorf("cannot cast %v to an integer", f)
				}
				v = int64(f)
			}
			if to == typeInt32 {
				v = int64(int32(v))
			}
			out.i[k] = v
		}
	default:
		return nil, fmt.Errorf("cast to %s not supported", dataTypeName(int32(to)))
	}
	return out, nil
}

// shapeArg reads an integer vector input as dims, each in [lo, maxElems].
func shapeArg(t *tensor, lo int64, what string) ([]int, error) {
	v, err := t.ints()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if len(t.dims) > 1 || len(v) > 64 {
		return nil, fmt.Errorf("%s: shape %v is not a short vector", what, t.dims)
	}
	out := make([]int, len(v))
	for k, d := range v {
		if d < lo || d > maxElems {
			return nil, fmt.Errorf("%s: value %d out of range", what, d)
		}
		out[k] = int(d)
	}
	return out, nil
}

func constantOfShape(nd *nodeProto, in []*tensor) (*tensor, error) {
	s, err := input(in, 0, "shape")
	if err != nil {
		return nil, err
	}
	dims, err := shapeArg(s, 0, "shape")
	if err != nil {
		return nil, err
	}
	n, err := numel(dims)
	if err != nil {
		return nil, err
	}
	if n > maxFolded {
		return nil, fmt.Errorf("shape %v too large for a constant", dims)
	}
	fill := &tensor{f: []float32{0}} // default: a float 0 (ConstantOfShape-9)
	if a := attr(nd, "value"); a != nil {
		if a.t == nil {
			return nil, fmt.Errorf("attribute value holds no tensor")
		}
		if fill, err = fromProto(a.t); err != nil {
			return nil, err
		}
		if fill.len() != 1 {
			return nil, fmt.Errorf("value holds %d elements, want 1", fill.len())
		}
	}
	out := &tensor{dims: dims, isInt: fill.isInt}
	if fill.isInt {
		out.i = make([]int64, n)
		for k := range out.i {
			out.i[k] = fill.i[0]
		}
	} else {
		out.f = make([]float32, n)
		for k := range out.f {
			out.f[k] = fill.f[0]
		}
	}
	return out, nil
}
