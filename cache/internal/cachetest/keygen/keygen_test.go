package keygen

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func norm(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Keys are unit vectors of non-negative values, each near its class's
// centre: the similarities the cache's tests count on.
func TestClustered(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const classes, dim, n = 5, 64, 200
	centres := Centres(r, classes, dim, 1e-6)
	perClass := make([]int, classes)
	err := Clustered(r, centres, n, func(k []float32, y int) error {
		if y < 0 || y >= classes {
			t.Fatalf("label %d", y)
		}
		perClass[y]++
		if d := math.Abs(norm(k) - 1); d > 1e-6 {
			t.Fatalf("key norm off by %g", d)
		}
		for _, v := range k {
			if v < 0 {
				t.Fatalf("negative value %v", v)
			}
		}
		if s := dot(k, centres[y]); s < 0.85 {
			t.Fatalf("similarity to its centre %.3f", s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for y, c := range perClass {
		if c == 0 {
			t.Errorf("class %d drew no keys", y)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := Clustered(r, centres, n, func([]float32, int) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("after add's error: %v, %d calls", err, calls)
	}
}
