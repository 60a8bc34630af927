package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
)

// tensor is a constant: an initializer, a Constant node's value or the result
// of folding a constant subgraph. Weights are float; shapes, pads and slice
// bounds are integers (INT64 or INT32 in the file, int64 here).
type tensor struct {
	name  string
	dims  []int
	isInt bool
	f     []float32
	i     []int64
}

// maxElems bounds any one tensor (2^31-1 values, 8 GB of float32) so that a
// corrupt shape cannot overflow the element count, even where int is 32 bits.
const maxElems = math.MaxInt32

func (t *tensor) len() int {
	if t.isInt {
		return len(t.i)
	}
	return len(t.f)
}

func (t *tensor) kind() string {
	if t.isInt {
		return "integer"
	}
	return "float"
}

// numel multiplies dims, failing on a negative dim or a count past maxElems.
func numel(dims []int) (int, error) {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", dims)
		}
		if d != 0 && n > maxElems/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, maxElems)
		}
		n *= d
	}
	return n, nil
}

// fromProto converts a decoded TensorProto into a tensor, checking that the
// data holds exactly as many values as the dims say.
func fromProto(p *tensorProto) (*tensor, error) {
	if p.external {
		return nil, fmt.Errorf("onnx: tensor %q: data is stored in an external file, which this importer does not read "+
			"(re-save the model with onnx.save_model(m, path, save_as_external_data=False))", p.name)
	}
	if p.segmented {
		return nil, fmt.Errorf("onnx: tensor %q: segmented tensors are not supported", p.name)
	}
	t := &tensor{name: p.name, dims: make([]int, len(p.dims))}
	for i, d := range p.dims {
		if d < 0 || d > maxElems {
			return nil, fmt.Errorf("onnx: tensor %q: dimension %d is %d", p.name, i, d)
		}
		t.dims[i] = int(d)
	}
	n, err := numel(t.dims)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %q: %v", p.name, err)
	}
	count := func(found int) error {
		if found != n {
			return fmt.Errorf("onnx: tensor %q: shape %v holds %d values, found %d", p.name, t.dims, n, found)
		}
		return nil
	}
	// raw_data elements are "fixed-width, little-endian" (onnx.proto, TensorProto.raw_data).
	switch p.dataType {
	case typeFloat:
		if p.hasRaw {
			if len(p.raw)%4 != 0 {
				return nil, fmt.Errorf("onnx: tensor %q: FLOAT raw data of %d bytes is not a multiple of 4", p.name, len(p.raw))
			}
			if err := count(len(p.raw) / 4); err != nil {
				return nil, err
			}
			t.f = make([]float32, n)
			for k := range t.f {
				t.f[k] = math.Float32frombits(binary.LittleEndian.Uint32(p.raw[4*k:]))
			}
			return t, nil
		}
		if err := count(len(p.floatData)); err != nil {
			return nil, err
		}
		t.f = p.floatData
	case typeInt64:
		t.isInt = true
		if p.hasRaw {
			if len(p.raw)%8 != 0 {
				return nil, fmt.Errorf("onnx: tensor %q: INT64 raw data of %d bytes is not a multiple of 8", p.name, len(p.raw))
			}
			if err := count(len(p.raw) / 8); err != nil {
				return nil, err
			}
			t.i = make([]int64, n)
			for k := range t.i {
				t.i[k] = int64(binary.LittleEndian.Uint64(p.raw[8*k:]))
			}
			return t, nil
		}
		if err := count(len(p.int64Data)); err != nil {
			return nil, err
		}
		t.i = p.int64Data
	case typeInt32:
		t.isInt = true
		if p.hasRaw {
			if len(p.raw)%4 != 0 {
				return nil, fmt.Errorf("onnx: tensor %q: INT32 raw data of %d bytes is not a multiple of 4", p.name, len(p.raw))
			}
			if err := count(len(p.raw) / 4); err != nil {
				return nil, err
			}
			t.i = make([]int64, n)
			for k := range t.i {
				t.i[k] = int64(int32(binary.LittleEndian.Uint32(p.raw[4*k:])))
			}
			return t, nil
		}
		if err := count(len(p.int32Data)); err != nil {
			return nil, err
		}
		t.i = make([]int64, n)
		for k, v := range p.int32Data {
			t.i[k] = int64(v)
		}
	default:
		return nil, fmt.Errorf("onnx: tensor %q: data type %s not supported (want FLOAT, or INT64/INT32 for shapes)", p.name, dataTypeName(p.dataType))
	}
	return t, nil
}

// ints returns an integer tensor's values as ints, for shapes and indices.
func (t *tensor) ints() ([]int64, error) {
	if !t.isInt {
		return nil, fmt.Errorf("tensor %q is float, want integers", t.name)
	}
	return t.i, nil
}

// strides returns row-major strides for dims.
func strides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for k := len(dims) - 1; k >= 0; k-- {
		s[k] = acc
		acc *= dims[k]
	}
	return s
}

// gather builds a tensor of shape dims whose element at multi-index idx is
// src's element at flat index from(idx): the common core of Slice and Transpose.
func gather(src *tensor, dims []int, from func(idx []int) int) *tensor {
	n, _ := numel(dims) // callers have bounded dims by the source's size
	out := &tensor{dims: dims, isInt: src.isInt}
	if src.isInt {
		out.i = make([]int64, n)
	} else {
		out.f = make([]float32, n)
	}
	idx := make([]int, len(dims))
	for k := 0; k < n; k++ {
		j := from(idx)
		if src.isInt {
			out.i[k] = src.i[j]
		} else {
			out.f[k] = src.f[j]
		}
		for a := len(idx) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < dims[a] {
				break
			}
			idx[a] = 0
		}
	}
	return out
}
