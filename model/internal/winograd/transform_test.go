package winograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

const guard = -777.25

// shapes are layouts the transforms must get right: the CIFAR ResNet's
// stages, odd output sizes (a last tile row or column half used), tile rows
// of more than 16 tiles (several runs per row), fewer than 16 of odd
// lengths, uneven padding, and channel counts that are not multiples of 8.
var shapes = []struct{ in, out, h, w, top, left, bottom, right int }{
	{16, 16, 32, 32, 1, 1, 1, 1},
	{32, 32, 16, 16, 1, 1, 1, 1},
	{64, 64, 8, 8, 1, 1, 1, 1},
	{3, 5, 7, 9, 1, 1, 1, 1},
	{2, 13, 11, 40, 1, 1, 1, 1},
	{5, 8, 9, 35, 0, 2, 1, 0},
	{1, 1, 1, 1, 1, 1, 1, 1},
	{7, 9, 3, 5, 2, 0, 0, 2},
	{4, 20, 70, 100, 1, 1, 1, 1},
}

func randFill(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
}

func filled(n int, v float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = v
	}
	return x
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, Go twin %v", what, i, got[i], want[i])
		}
	}
}

// Bad layouts are refused with an error that names them.
func TestNewGeometryRefuses(t *testing.T) {
	for _, s := range []struct {
		in, out, h, w, top, left, bottom, right int
	}{
		{0, 1, 8, 8, 1, 1, 1, 1},
		{1, 0, 8, 8, 1, 1, 1, 1},
		{1, 1, 1, 1, 0, 0, 0, 0}, // no 3x3 output
		{1, 1, 8, 8, -1, 1, 1, 1},
		{1 << 20, 1, 1 << 10, 1 << 10, 1, 1, 1, 1}, // past int32
	} {
		if g, err := NewGeometry(s.in, s.out, s.h, s.w, s.top, s.left, s.bottom, s.right); err == nil {
			t.Errorf("%+v: got a layout %+v, want an error", s, g)
		}
	}
	if _, err := NewFilter(make([]float32, 9), make([]float32, 2), 1, 1); err == nil {
		t.Error("NewFilter took 2 biases for 1 output")
	}
}
