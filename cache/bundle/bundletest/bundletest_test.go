package bundletest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
)

// The parts fit together as a board's: the spec's taps are the int8
// network's, and the keys are unit vectors labelled and weighted as asked.
func TestParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	qm := Quantize(t, Net(t, []string{"a", "b", "c"}, 1), Pixels(rng, 2))
	if qm.Classes != 3 {
		t.Fatalf("%d classes, want 3", qm.Classes)
	}
	spec := Spec(t, qm, cache.PoolAvg, "layer3.0", "layer2.0.relu")
	for _, tap := range spec.Taps {
		info, err := qm.Tap(tap.Name)
		if err != nil || info.C != tap.C || info.H != tap.H || info.W != tap.W || tap.Pool != cache.PoolAvg {
			t.Fatalf("tap %+v, network's %+v (%v)", tap, info, err)
		}
	}
	c, err := cache.New(spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	AddUnitKeys(t, c, rng, 7, func(i int) int { return 1 + i })
	if c.Len() != 7 {
		t.Fatalf("%d items, want 7", c.Len())
	}
	var key []float32
	for i := 0; i < c.Len(); i++ {
		key = c.Key(key, i)
		var ss float64
		for _, v := range key {
			ss += float64(v) * float64(v)
		}
		// fp16 storage: each value within 2^-11 relative.
		if d := math.Abs(math.Sqrt(ss) - 1); d > 1e-3 {
			t.Errorf("item %d: norm off by %g", i, d)
		}
		if c.Label(i) != i%3 || c.Weight(i) != 1+i {
			t.Errorf("item %d: label %d weight %d, want %d and %d", i, c.Label(i), c.Weight(i), i%3, 1+i)
		}
	}
	if n := len(Pixels(rng, 3)); n != 3*model.InputLen {
		t.Errorf("3 images of %d values", n)
	}
}
