package onnx

import (
	"fmt"
	"slices"
)

// Ops that move constant data without computing on it: the Reshape,
// Concat, Slice, Transpose and Squeeze of shape arithmetic (ONNX operator
// semantics as of opset 13; older attribute forms are read too).

// normAxis maps a possibly negative axis onto [0, rank).
func normAxis(a int64, rank int) (int, error) {
	if a < 0 {
		a += int64(rank)
	}
	if a < 0 || a >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	return int(a), nil
}

func concat(nd *nodeProto, in []*tensor) (*tensor, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	first, err := input(in, 0, "input")
	if err != nil {
		return nil, err
	}
	a, _, err := intAttr(nd, "axis", 0)
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(a, len(first.dims))
	if err != nil {
		return nil, err
	}
	dims := slices.Clone(first.dims)
	dims[axis] = 0
	for k := range in {
		t, err := input(in, k, "input")
		if err != nil {
			return nil, err
		}
		if t.isInt != first.isInt || len(t.dims) != len(dims) {
			return nil, fmt.Errorf("input %d (%s %v) does not match input 0 (%s %v)", k, t.kind(), t.dims, first.kind(), first.dims)
		}
		for d := range dims {
			if d != axis && t.dims[d] != dims[d] {
				return nil, fmt.Errorf("input %d shape %v does not match %v off axis %d", k, t.dims, first.dims, axis)
			}
		}
		dims[axis] += t.dims[axis]
		if dims[axis] > maxFolded {
			return nil, fmt.Errorf("result too large for a constant")
		}
	}
	if n, err := numel(dims); err != nil || n > maxFolded {
		return nil, fmt.Errorf("result %v too large for a constant", dims)
	}
	out := &tensor{dims: dims, isInt: first.isInt}
	outer, _ := numel(dims[:axis])
	for o := 0; o < outer; o++ {
		for _, t := range in {
			run, _ := numel(t.dims[axis:])
			if t.isInt {
				out.i = append(out.i, t.i[o*run:(o+1)*run]...)
			} else {
				out.f = append(out.f, t.f[o*run:(o+1)*run]...)
			}
		}
	}
	return out, nil
}

// reshapeDims resolves Reshape's shape argument against n input values with
// input dims in: 0 copies the input's dim (unless allowZero), -1 is inferred.
func reshapeDims(shape []int64, in []int, n int, allowZero bool) ([]int, error) {
	out := make([]int, len(shape))
	infer := -1
	known := 1
	for k, d := range shape {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", shape)
			}
			infer = k
			continue
		case d == 0 && !allowZero:
			if k >= len(in) {
				return nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", shape, k, len(in))
			}
			out[k] = in[k]
		case d < 0 || d > maxElems:
			return nil, fmt.Errorf("shape %v has dimension %d", shape, d)
		default:
			out[k] = int(d)
		}
		if out[k] != 0 && known > maxElems/out[k] {
			return nil, fmt.Errorf("shape %v too large", shape)
		}
		known *= out[k]
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("cannot reshape %d values to %v", n, shape)
		}
		out[infer] = n / known
	} else if known != n {
		return nil, fmt.Errorf("cannot reshape %d values to %v", n, shape)
	}
	return out, nil
}

func reshapeConst(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	s, err := input(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := s.ints()
	if err != nil {
		return nil, err
	}
	az, _, err := intAttr(nd, "allowzero", 0)
	if err != nil {
		return nil, err
	}
	dims, err := reshapeDims(shape, x.dims, x.len(), az == 1)
	if err != nil {
		return nil, err
	}
	return &tensor{dims: dims, isInt: x.isInt, i: x.i, f: x.f}, nil
}

// sliceParams reads Slice's starts, ends, axes and steps: inputs 1 to 4 from
// opset 10, attributes before.
func sliceParams(nd *nodeProto, in []*tensor) (starts, ends, axes, steps []int64, err error) {
	if len(nd.inputs) >= 3 {
		get := func(k int, what string) ([]int64, error) {
			if k >= len(in) || in[k] == nil {
				return nil, nil
			}
			v, err := in[k].ints()
			if err != nil {
				return nil, fmt.Errorf("%s: %v", what, err)
			}
			return v, nil
		}
		if starts, err = get(1, "starts"); err != nil {
			return
		}
		if ends, err = get(2, "ends"); err != nil {
			return
		}
		if axes, err = get(3, "axes"); err != nil {
			return
		}
		steps, err = get(4, "steps")
	} else {
		if starts, _, err = intsAttr(nd, "starts"); err != nil {
			return
		}
		if ends, _, err = intsAttr(nd, "ends"); err != nil {
			return
		}
		axes, _, err = intsAttr(nd, "axes")
	}
	if err != nil {
		return
	}
	if symbolic(starts) || symbolic(ends) || symbolic(axes) || symbolic(steps) {
		return nil, nil, nil, nil, fmt.Errorf("slice bounds computed from the image's shape are not supported")
	}
	if starts == nil || ends == nil {
		return nil, nil, nil, nil, fmt.Errorf("starts and ends are required")
	}
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, nil, nil, fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	return starts, ends, axes, steps, nil
}

// sliceRange applies ONNX Slice's clamping rules (Slice-13) to one axis of
// size n: it returns the first index, the step and the number of elements.
func sliceRange(start, end, step int64, n int) (first, stride, count int, err error) {
	if step == 0 || step < -maxElems || step > maxElems {
		return 0, 0, 0, fmt.Errorf("step %d not supported", step)
	}
	dim := int64(n)
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		start = min(max(start, 0), dim)
		end = min(max(end, 0), dim)
		if end > start {
			count = int((end - start + step - 1) / step)
		}
	} else {
		start = min(max(start, 0), dim-1)
		end = min(max(end, -1), dim-1)
		if start > end {
			count = int((start - end + (-step) - 1) / (-step))
		}
	}
	return int(start), int(step), count, nil
}

func sliceConst(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	starts, ends, axes, steps, err := sliceParams(nd, in)
	if err != nil {
		return nil, err
	}
	rank := len(x.dims)
	first := make([]int, rank)
	step := make([]int, rank)
	dims := slices.Clone(x.dims)
	for a := range step {
		step[a] = 1
	}
	for k := range starts {
		axis := k
		if axes != nil {
			if axis, err = normAxis(axes[k], rank); err != nil {
				return nil, err
			}
		} else if k >= rank {
			return nil, fmt.Errorf("%d slice bounds for rank %d", len(starts), rank)
		}
		st := int64(1)
		if steps != nil {
			st = steps[k]
		}
		if first[axis], step[axis], dims[axis], err = sliceRange(starts[k], ends[k], st, x.dims[axis]); err != nil {
			return nil, err
		}
	}
	str := strides(x.dims)
	return gather(x, dims, func(idx []int) int {
		j := 0
		for a, v := range idx {
			j += (first[a] + v*step[a]) * str[a]
		}
		return j
	}), nil
}

func transpose(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	rank := len(x.dims)
	perm, ok, err := intsAttr(nd, "perm")
	if err != nil {
		return nil, err
	}
	if !ok {
		for a := rank - 1; a >= 0; a-- {
			perm = append(perm, int64(a))
		}
	}
	if len(perm) != rank {
		return nil, fmt.Errorf("perm %v for rank %d", perm, rank)
	}
	seen := make([]bool, rank)
	dims := make([]int, rank)
	for a, p := range perm {
		if p < 0 || p >= int64(rank) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
		dims[a] = x.dims[p]
	}
	str := strides(x.dims)
	return gather(x, dims, func(idx []int) int {
		j := 0
		for a, v := range idx {
			j += v * str[perm[a]]
		}
		return j
	}), nil
}

// squeeze handles Squeeze and Unsqueeze, whose axes are an attribute before
// opset 13 and an input from it.
func squeeze(nd *nodeProto, in []*tensor) (*tensor, error) {
	x, err := input(in, 0, "data")
	if err != nil {
		return nil, err
	}
	axes, ok, err := intsAttr(nd, "axes")
	if err != nil {
		return nil, err
	}
	if !ok && len(in) > 1 && in[1] != nil {
		if axes, err = in[1].ints(); err != nil {
			return nil, err
		}
		ok = true
	}
	var dims []int
	if nd.opType == "Squeeze" {
		drop := make([]bool, len(x.dims))
		for _, a := range axes {
			k, err := normAxis(a, len(x.dims))
			if err != nil {
				return nil, err
			}
			if x.dims[k] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of shape %v", k, x.dims)
			}
			drop[k] = true
		}
		for k, d := range x.dims {
			if !(drop[k] || (!ok && d == 1)) {
				dims = append(dims, d)
			}
		}
	} else {
		if !ok {
			return nil, fmt.Errorf("axes are required")
		}
		rank := len(x.dims) + len(axes)
		if rank > 64 {
			return nil, fmt.Errorf("rank %d too large", rank)
		}
		add := make([]bool, rank)
		for _, a := range axes {
			k, err := normAxis(a, rank)
			if err != nil {
				return nil, err
			}
			if add[k] {
				return nil, fmt.Errorf("axis %d repeated", k)
			}
			add[k] = true
		}
		j := 0
		for k := range add {
			if add[k] {
				dims = append(dims, 1)
			} else {
				dims = append(dims, x.dims[j])
				j++
			}
		}
	}
	return &tensor{dims: dims, isInt: x.isInt, i: x.i, f: x.f}, nil
}
