package cache

import (
	"math"
	"testing"
)

func TestContributors(t *testing.T) {
	spec := Spec{Taps: []TapSpec{{Name: "t", C: 2, H: 1, W: 1}}}
	c, err := New(spec, 2)
	if err != nil {
		t.Fatal(err)
	}
	q := []float32{1, 0}
	if _, err := c.Contributors(q, 75); err == nil {
		t.Error("an empty cache was measured")
	}
	// q.k is the key's first value, exact in fp16.
	for i, s := range []float64{0.25, 1, 0.5, 0.75, 0.4375} {
		if err := c.Add([]float32{float32(s), float32(math.Sqrt(1 - s*s))}, i%2); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		theta float32
		want  int
	}{
		{0, 5},   // every term is 1
		{75, 3},  // the window is 40/75 = 0.533: 1, 0.75, 0.5
		{80, 3},  // 0.5 sits on the cutoff (-40 exactly) and is kept, as exps keeps it
		{81, 2},  // now past it
		{400, 1}, // only the best
	} {
		n, err := c.Contributors(q, tc.theta)
		if err != nil || n != tc.want {
			t.Errorf("theta %v: %d contributors, %v; want %d", tc.theta, n, err, tc.want)
		}
		// The same items are the ones exps leaves non-zero.
		sims := make([]float32, c.Len())
		dots(generic, sims, c.keys, q)
		exps(generic, sims, sims, tc.theta, 1)
		kept := 0
		for _, e := range sims {
			if e != 0 {
				kept++
			}
		}
		if kept != tc.want {
			t.Errorf("theta %v: exps keeps %d terms, Contributors counts %d", tc.theta, kept, n)
		}
	}
	for _, bad := range []struct {
		q     []float32
		theta float32
	}{
		{[]float32{1}, 75},
		{[]float32{float32(math.NaN()), 0}, 75},
		{q, -1},
		{q, float32(math.Inf(1))},
	} {
		if _, err := c.Contributors(bad.q, bad.theta); err == nil {
			t.Errorf("query %v at theta %v was measured", bad.q, bad.theta)
		}
	}
}
