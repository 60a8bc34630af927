package model

import (
	"fmt"
	"slices"
)

// Tensor is a dense float32 array in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor allocates a zeroed tensor of the given shape.
func NewTensor(shape ...int) Tensor {
	return Tensor{Shape: slices.Clone(shape), Data: make([]float32, numel(shape))}
}

// Len is the number of elements the shape describes.
func (t Tensor) Len() int { return numel(t.Shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Weights maps canonical tensor names (see the package comment) to tensors.
type Weights map[string]Tensor

// ShapeError reports a tensor whose shape is not the one the architecture needs.
type ShapeError struct {
	Name      string
	Want, Got []int
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("model: tensor %q: expected shape %v, found %v", e.Name, e.Want, e.Got)
}

// take removes a tensor from w after checking its shape; a missing tensor is an
// error unless optional is set, in which case ok reports whether it was there.
func (w Weights) take(name string, optional bool, want ...int) (t Tensor, ok bool, err error) {
	t, ok = w[name]
	if !ok {
		if optional {
			return Tensor{}, false, nil
		}
		return Tensor{}, false, fmt.Errorf("model: missing tensor %q (shape %v)", name, want)
	}
	delete(w, name)
	if !slices.Equal(t.Shape, want) {
		return Tensor{}, false, &ShapeError{Name: name, Want: want, Got: t.Shape}
	}
	if len(t.Data) != numel(want) {
		return Tensor{}, false, fmt.Errorf("model: tensor %q: shape %v holds %d values, found %d", name, want, numel(want), len(t.Data))
	}
	return t, true, nil
}
