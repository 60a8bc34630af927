package onnx

import (
	"fmt"
	"slices"
)

// shapeOf is Shape of a constant, with Shape-15's optional start and end.
func shapeOf(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	rank := int64(len(x.dims))
	start, _, err := intAttr(nd, "start", 0)
	if err != nil {
		return nil, err
	}
	end, _, err := intAttr(nd, "end", rank)
	if err != nil {
		return nil, err
	}
	if start < 0 {
		start += rank
	}
	if end < 0 {
		end += rank
	}
	start, end = min(max(start, 0), rank), min(max(end, 0), rank)
	out := &tensor{isInt: true, i: []int64{}}
	for k := start; k < end; k++ {
		out.i = append(out.i, int64(x.dims[k]))
	}
	out.dims = []int{len(out.i)}
	return out, nil
}

// gatherOp is Gather on constants: data.dims[:axis] + indices.dims +
// data.dims[axis+1:], negative indices counting from the end.
func gatherOp(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	idx, err := input(in, 1, "indices")
	if err != nil {
		return nil, err
	}
	ind, err := idx.ints()
	if err != nil {
		return nil, err
	}
	a, _, err := intAttr(nd, "axis", 0)
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(a, len(x.dims))
	if err != nil {
		return nil, err
	}
	n := x.dims[axis]
	pick := make([]int, len(ind))
	for k, v := range ind {
		if v < 0 {
			v += int64(n)
		}
		if v < 0 || v >= int64(n) {
			return nil, fmt.Errorf("index %d out of range for axis of size %d", ind[k], n)
		}
		pick[k] = int(v)
	}
	dims := slices.Concat(x.dims[:axis], idx.dims, x.dims[axis+1:])
	if total, err := numel(dims); err != nil || total > maxFolded {
		return nil, fmt.Errorf("result %v too large for a constant", dims)
	}
	str := strides(x.dims)
	istr := strides(idx.dims)
	r := len(idx.dims)
	return gather(x, dims, func(o []int) int {
		k := 0
		for d := 0; d < r; d++ {
			k += o[axis+d] * istr[d]
		}
		j := pick[k] * str[axis]
		for d := 0; d < axis; d++ {
			j += o[d] * str[d]
		}
		for d := axis + 1; d < len(x.dims); d++ {
			j += o[d+r-1] * str[d]
		}
		return j
	}), nil
}

// arith is elementwise Add, Sub or Mul on constants of one type, where the
// shapes are equal or one side is a single value (the broadcasting that shape
// arithmetic uses).
func arith(nd *nodeProto, in []*tensor) (*tensor, error) {
	a, err := input(in, 0, "A")
	if err != nil {
		return nil, err
	}
	b, err := input(in, 1, "B")
	if err != nil {
		return nil, err
	}
	if a.isInt != b.isInt {
		return nil, fmt.Errorf("mixes %s and %s operands", a.kind(), b.kind())
	}
	if symbolic(a.i) || symbolic(b.i) {
		return nil, fmt.Errorf("arithmetic on the image's shape (batch size) is not supported")
	}
	dims := a.dims
	switch {
	case slices.Equal(a.dims, b.dims):
	case b.len() == 1 && len(b.dims) <= len(a.dims):
	case a.len() == 1 && len(a.dims) <= len(b.dims):
		dims = b.dims
	default:
		return nil, fmt.Errorf("shapes %v and %v not supported (want equal shapes or a single value)", a.dims, b.dims)
	}
	n, _ := numel(dims)
	at := func(t *tensor, k int) int {
		if t.len() == 1 {
			return 0
		}
		return k
	}
	out := &tensor{dims: dims, isInt: a.isInt}
	if a.isInt {
		out.i = make([]int64, n)
		for k := range out.i {
			x, y := a.i[at(a, k)], b.i[at(b, k)]
			switch nd.opType {
			case "Add":
				out.i[k] = x + y
			case "Sub":
				out.i[k] = x - y
			default:
				out.i[k] = x * y
			}
		}
		return out, nil
	}
	out.f = make([]float32, n)
	for k := range out.f {
		x, y := a.f[at(a, k)], b.f[at(b, k)]
		switch nd.opType {
		case "Add":
			out.f[k] = x + y
		case "Sub":
			out.f[k] = x - y
		default:
			out.f[k] = x * y
		}
	}
	return out, nil
}
