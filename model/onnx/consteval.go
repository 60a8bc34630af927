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
