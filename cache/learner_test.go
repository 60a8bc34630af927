package cache

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// learnCache is a cache of 4-value keys with per classes items of weight 1
// for each of classes classes.
func learnCache(t *testing.T, classes, per int, rng *rand.Rand) *Cache {
	t.Helper()
	c, err := New(Spec{Taps: []TapSpec{{Name: "t", C: 4, H: 1, W: 1}}}, classes)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < classes; y++ {
		for j := 0; j < per; j++ {
			if err := c.Add(unitKey(rng, 4), y); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

func unitKey(rng *rand.Rand, n int) []float32 {
	k := make([]float32, n)
	var s float64
	for i := range k {
		k[i] = float32(rng.NormFloat64())
		s += float64(k[i]) * float64(k[i])
	}
	for i := range k {
		k[i] = float32(float64(k[i]) / math.Sqrt(s))
	}
	return k
}

// Examples of a class the bundle lacks are summarised Group at a time, as
// normalised means, and share Prior x the bundle's mean class weight.
func TestLearnerGroupsNewClass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := learnCache(t, 2, 40, rng)
	l, err := NewLearner(c, 1<<20, LearnOpts{Group: 3, Prior: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var ex [][]float32
	for i := 0; i < 7; i++ {
		ex = append(ex, unitKey(rng, 4))
		id, dropped, err := l.Teach(ex[i], 2)
		if err != nil || id != i || len(dropped) != 0 {
			t.Fatalf("teach %d: id %d dropped %v err %v", i, id, dropped, err)
		}
	}
	if c.Classes() != 3 || c.Len() != 83 || l.Examples() != 7 {
		t.Fatalf("%d classes, %d items, %d examples", c.Classes(), c.Len(), l.Examples())
	}
	// share = 0.5 x 40; items of 3, 3 and 1 examples.
	for j, g := range [][]int{{0, 1, 2}, {3, 4, 5}, {6}} {
		i := 80 + j
		if !l.Taught(i) || c.Label(i) != 2 {
			t.Fatalf("item %d: taught %v label %d", i, l.Taught(i), c.Label(i))
		}
		sum := make([]float64, 4)
		for _, e := range g {
			for d, v := range ex[e] {
				sum[d] += float64(v)
			}
		}
		var n float64
		for _, v := range sum {
			n += v * v
		}
		got := c.Key(nil, i)
		for d := range sum {
			if want := sum[d] / math.Sqrt(n); math.Abs(float64(got[d])-want) > 1e-3 {
				t.Errorf("item %d value %d: %v, want the mean %v", i, d, got[d], want)
			}
		}
		if want := int(math.Round(20 * float64(len(g)) / 7)); c.Weight(i) != want {
			t.Errorf("item %d of %d examples: weight %d, want %d", i, len(g), c.Weight(i), want)
		}
	}
	for i := 0; i < 80; i++ {
		if l.Taught(i) || c.Weight(i) != 1 {
			t.Fatalf("bundle item %d changed: taught %v weight %d", i, l.Taught(i), c.Weight(i))
		}
	}
}

// A class the bundle holds keeps weight 1 for its taught items.
func TestLearnerKnownClass(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := learnCache(t, 2, 10, rng)
	l, err := NewLearner(c, 1<<20, LearnOpts{Group: 2, Prior: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, _, err := l.Teach(unitKey(rng, 4), 1); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 23 || c.Weighted() {
		t.Fatalf("%d items, weighted %v: want 23 items of weight 1", c.Len(), c.Weighted())
	}
}

// Within a budget, bundle items go first (the largest class's last), then
// whole taught items, oldest first; the ids given up are reported, and
// teaching the examples still held again, in order, rebuilds the same
// cache: what a board replaying its compacted log must get.
func TestLearnerBudgetAndReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	build := func() *Cache { return learnCache(t, 3, 6, rand.New(rand.NewPCG(7, 8))) }
	c := build()
	budget := c.Bytes() + 4*(Footprint(c.Spec(), 4, 1, true)-Footprint(c.Spec(), 4, 0, true))
	opts := LearnOpts{Group: 2, Prior: 0.5}
	l, err := NewLearner(c, budget, opts)
	if err != nil {
		t.Fatal(err)
	}
	type ex struct {
		key []float32
		y   int
	}
	var all []ex
	gone := map[int]bool{}
	for i := 0; i < 60; i++ {
		e := ex{unitKey(rng, 4), []int{0, 3, 3, 1}[i%4]}
		all = append(all, e)
		_, dropped, err := l.Teach(e.key, e.y)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range dropped {
			if gone[id] {
				t.Fatalf("example %d given up twice", id)
			}
			gone[id] = true
		}
		if c.Bytes() > budget {
			t.Fatalf("after example %d: %d bytes, budget %d", i, c.Bytes(), budget)
		}
		for j := 0; j < c.Len(); j++ {
			if l.Taught(j) {
				continue
			}
			for k := 0; k < c.Len(); k++ {
				if l.Taught(k) && k < j {
					t.Fatalf("bundle item %d after taught item %d", j, k)
				}
			}
		}
	}
	if len(gone) == 0 || l.Examples()+len(gone) != len(all) {
		t.Fatalf("%d examples held, %d given up, %d taught", l.Examples(), len(gone), len(all))
	}
	// Oldest first: every id given up is older than every id held.
	var held []int
	for id := range all {
		if !gone[id] {
			held = append(held, id)
		}
	}
	for id := range gone {
		if id > held[0] && all[id].y == all[held[0]].y {
			t.Errorf("example %d of class %d given up while older %d is held", id, all[id].y, held[0])
		}
	}
	// Replay what is held into a fresh copy of the bundle.
	c2 := build()
	l2, err := NewLearner(c2, budget, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range held {
		if _, _, err := l2.Teach(all[id].key, all[id].y); err != nil {
			t.Fatal(err)
		}
	}
	if c2.Len() != c.Len() || c2.Classes() != c.Classes() {
		t.Fatalf("replay: %d items %d classes, want %d %d", c2.Len(), c2.Classes(), c.Len(), c.Classes())
	}
	for i := 0; i < c.Len(); i++ {
		if !slices.Equal(c.Key(nil, i), c2.Key(nil, i)) || c.Label(i) != c2.Label(i) || c.Weight(i) != c2.Weight(i) || l.Taught(i) != l2.Taught(i) {
			t.Fatalf("replay: item %d differs", i)
		}
	}
}

func TestLearnerBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	c := learnCache(t, 2, 3, rng)
	for _, o := range []LearnOpts{{Group: 0, Prior: 1}, {Group: 1, Prior: 0}, {Group: 1, Prior: 1.5}, {Group: 1, Prior: math.NaN()}} {
		if _, err := NewLearner(c, 0, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := NewLearner(c, c.Bytes()-1, DefaultLearnOpts); err == nil {
		t.Error("a budget below the cache accepted")
	}
	l, err := NewLearner(c, 0, DefaultLearnOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key []float32
		y   int
	}{
		{[]float32{1, 0, 0}, 0},
		{[]float32{1, 0, 0, 0}, 3},
		{[]float32{1, 0, 0, 0}, -1},
		{[]float32{float32(math.NaN()), 0, 0, 0}, 0},
		{[]float32{1e6, 0, 0, 0}, 0},
	} {
		if _, _, err := l.Teach(tc.key, tc.y); err == nil {
			t.Errorf("key %v class %d accepted", tc.key, tc.y)
		}
	}
	if c.Len() != 6 || c.Classes() != 2 {
		t.Fatalf("bad input changed the cache: %d items, %d classes", c.Len(), c.Classes())
	}
	// A budget that cannot hold even the example being taught (an empty
	// cache, and a new class whose lookup sum takes room): ErrNoRoom, and
	// the example is reported given up.
	empty, err := New(c.Spec(), 2)
	if err != nil {
		t.Fatal(err)
	}
	le, err := NewLearner(empty, 0, DefaultLearnOpts)
	if err != nil {
		t.Fatal(err)
	}
	if id, dropped, err := le.Teach([]float32{0, 1, 0, 0}, 2); !errors.Is(err, ErrNoRoom) || len(dropped) != 1 || dropped[0] != id {
		t.Errorf("no room: id %d, dropped %v, error %v", id, dropped, err)
	}
	// A budget with no room: the bundle gives way, item by item.
	if _, _, err := l.Teach([]float32{0, 1, 0, 0}, 2); err != nil {
		t.Fatal(err)
	}
	if c.Bytes() > l.Budget() {
		t.Fatalf("%d bytes over the budget of %d", c.Bytes(), l.Budget())
	}
}
