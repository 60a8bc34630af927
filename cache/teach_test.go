package cache

import (
	"math/rand/v2"
	"testing"
)

func teachCache(t *testing.T, labels []int) *Cache {
	t.Helper()
	c, err := New(Spec{Taps: []TapSpec{{Name: "t", C: 4, H: 1, W: 1}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, y := range labels {
		if err := c.AddWeighted([]float32{float32(i), 0, 0, 1}, y, 1+i); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestRemoveKeepsOrder(t *testing.T) {
	c := teachCache(t, []int{0, 1, 2, 0, 1})
	if err := c.Remove(1); err != nil {
		t.Fatal(err)
	}
	want := []struct{ key0, label, weight int }{{0, 0, 1}, {2, 2, 3}, {3, 0, 4}, {4, 1, 5}}
	if c.Len() != len(want) {
		t.Fatalf("%d items", c.Len())
	}
	for i, w := range want {
		if k := c.Key(nil, i); int(k[0]) != w.key0 || c.Label(i) != w.label || c.Weight(i) != w.weight {
			t.Errorf("item %d: key %v label %d weight %d, want %+v", i, k, c.Label(i), c.Weight(i), w)
		}
	}
	for _, i := range []int{-1, 4} {
		if err := c.Remove(i); err == nil {
			t.Errorf("Remove(%d) accepted", i)
		}
	}
}

func TestGrowClasses(t *testing.T) {
	c := teachCache(t, []int{0, 1, 2})
	if err := c.Add([]float32{0, 0, 0, 1}, 3); err == nil {
		t.Fatal("label 3 accepted in a 3-class cache")
	}
	if err := c.GrowClasses(4); err != nil {
		t.Fatal(err)
	}
	if err := c.Add([]float32{0, 0, 1, 0}, 3); err != nil {
		t.Fatal(err)
	}
	c.Theta = 10
	p := make([]float32, 4)
	if err := c.Probs(p, []float32{0, 0, 1, 0}, 10); err != nil {
		t.Fatal(err)
	}
	if !(p[3] > p[0] && p[3] > p[1] && p[3] > p[2]) {
		t.Errorf("the new class's own key scores %v", p)
	}
	if err := c.GrowClasses(2); err == nil {
		t.Error("shrinking accepted")
	}
	if err := c.GrowClasses(MaxClasses + 1); err == nil {
		t.Error("too many classes accepted")
	}
}

// TestVictim: bundle items go first, from the largest class, last first;
// taught items only when no bundle item is left, oldest first.
func TestVictim(t *testing.T) {
	// classes: 0 has 3 bundle items, 1 has 2 bundle + 2 taught, 2 has 1 taught.
	labels := []int{0, 0, 0, 1, 1, 1, 1, 2}
	taught := []bool{false, false, false, false, false, true, true, true}
	c := teachCache(t, labels)
	var order []int
	for c.Len() > 0 {
		v, err := c.Victim(taught)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, int(c.Key(nil, v)[0])) // the item's original index
		if err := c.Remove(v); err != nil {
			t.Fatal(err)
		}
		taught = append(taught[:v], taught[v+1:]...)
	}
	// Counts 3,4,1: class 1 (4 items) gives its last bundle item (4); then
	// 3,3,1: class 0 gives 2; 2,3,1: class 1 gives 3 (its last bundle
	// item); 2,2,1: class 0 gives 1, then 0. Only taught items remain:
	// class 1 (2 items) gives its oldest (5), then 1,1: class 1 gives 6,
	// then class 2 gives 7.
	want := []int{4, 2, 3, 1, 0, 5, 6, 7}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("eviction order %v, want %v", order, want)
		}
	}
	if _, err := c.Victim([]bool{true}); err == nil {
		t.Error("wrong taught length accepted")
	}
	if v, err := c.Victim(nil); v != -1 || err != nil {
		t.Errorf("empty cache: %d %v", v, err)
	}
}

// Removing items keeps lookups right: a cache with some items removed scores
// as one built without them.
func TestRemoveLookup(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	spec := Spec{Taps: []TapSpec{{Name: "t", C: 16, H: 1, W: 1}}}
	a, _ := New(spec, 3)
	b, _ := New(spec, 3)
	key := make([]float32, 16)
	for i := 0; i < 300; i++ {
		for j := range key {
			key[j] = float32(rng.NormFloat64())
		}
		normalize(key)
		a.Add(key, i%3)
		if i%7 != 0 {
			b.Add(key, i%3)
		}
	}
	for i := 299; i >= 0; i-- {
		if i%7 == 0 {
			a.Remove(i)
		}
	}
	pa, pb := make([]float32, 3), make([]float32, 3)
	a.Probs(pa, key, 30)
	b.Probs(pb, key, 30)
	for y := range pa {
		if pa[y] != pb[y] {
			t.Fatalf("after removal %v, built without %v", pa, pb)
		}
	}
}

// A class taught on the board gets its probability from the cache alone;
// the network's share is scaled by the cache's probability of a known
// class, so the mixture still sums to 1.
func TestMixTaughtClass(t *testing.T) {
	dst := make([]float32, 3)
	if err := Mix(dst, []float32{0.8, 0.2}, []float32{0.1, 0.1, 0.8}, 0.5); err != nil {
		t.Fatal(err)
	}
	var sum float32
	for i, want := range []float32{0.5*0.8*0.2 + 0.5*0.1, 0.5*0.2*0.2 + 0.5*0.1, 0.8} {
		sum += dst[i]
		if d := dst[i] - want; d > 1e-7 || d < -1e-7 {
			t.Errorf("mix %v: value %d, want %v", dst, i, want)
		}
	}
	if d := sum - 1; d > 1e-6 || d < -1e-6 {
		t.Errorf("mix %v sums to %v", dst, sum)
	}
	if err := Mix(dst[:1], []float32{0.8, 0.2}, []float32{1}, 0.5); err == nil {
		t.Error("a network with more classes than the mixture accepted")
	}
}
