package host

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

func TestBalancedIndices(t *testing.T) {
	// Class 2 has only 3 items: it gives them all, the rest is spread.
	labels := []int{}
	for y, n := range []int{50, 40, 3} {
		for i := 0; i < n; i++ {
			labels = append(labels, y)
		}
	}
	idx := BalancedIndices(labels, 3, 31, 7)
	count := make([]int, 3)
	for i, v := range idx {
		if i > 0 && v <= idx[i-1] {
			t.Fatalf("indices not ascending and distinct: %v", idx)
		}
		count[labels[v]]++
	}
	if len(idx) != 31 || count[2] != 3 || count[0] != 14 || count[1] != 14 {
		t.Fatalf("picked %d: per class %v, want 14 14 3", len(idx), count)
	}
	if all := BalancedIndices(labels, 3, 1000, 1); len(all) != len(labels) {
		t.Fatalf("n past the items gave %d", len(all))
	}
}

func TestSubset(t *testing.T) {
	c := newRandomCache(t, 40, 17, 3)
	c.Theta, c.Lambda = 50, 0.25
	s, err := Subset(c, []int{5, 0, 39})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Theta != 50 || s.Lambda != 0.25 {
		t.Fatalf("subset of %d items, theta %v lambda %v", s.Len(), s.Theta, s.Lambda)
	}
	for j, i := range []int{5, 0, 39} {
		a, b := c.Key(nil, i), s.Key(nil, j)
		for d := range a {
			if a[d] != b[d] {
				t.Fatalf("item %d value %d: %v, subset %v", i, d, a[d], b[d])
			}
		}
		if c.Label(i) != s.Label(j) {
			t.Fatalf("item %d label %d, subset %d", i, c.Label(i), s.Label(j))
		}
	}
	if _, err := Subset(c, []int{40}); err == nil {
		t.Fatal("item past the end accepted")
	}
}

func newRandomCache(t *testing.T, n, dim, classes int) *cache.Cache {
	t.Helper()
	c, err := cache.New(cache.Spec{Taps: []cache.TapSpec{{Name: "x", C: dim, H: 1, W: 1}}}, classes)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	key := make([]float32, dim)
	for i := 0; i < n; i++ {
		for j := range key {
			key[j] = float32(r.NormFloat64())
		}
		cachetest.Normalize(key)
		if err := c.Add(key, i%classes); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestKMeans(t *testing.T) {
	// Two tight groups around orthogonal unit vectors: two centroids find them.
	const dim = 8
	r := rand.New(rand.NewPCG(2, 2))
	var x []float32
	for i := 0; i < 60; i++ {
		v := make([]float32, dim)
		v[i%2*3] = 1
		for j := range v {
			v[j] += float32(0.05 * r.NormFloat64())
		}
		cachetest.Normalize(v)
		x = append(x, v...)
	}
	cent, counts, err := KMeans(x, dim, 2, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if counts[0] != 30 || counts[1] != 30 {
		t.Fatalf("cluster sizes %v, want 30 and 30", counts)
	}
	hit := [2]bool{}
	for c := 0; c < 2; c++ {
		v := cent[c*dim : (c+1)*dim]
		var ss float64
		for _, w := range v {
			ss += float64(w) * float64(w)
		}
		if math.Abs(ss-1) > 1e-5 {
			t.Fatalf("centroid %d has norm^2 %v", c, ss)
		}
		switch {
		case v[0] > 0.95:
			hit[0] = true
		case v[3] > 0.95:
			hit[1] = true
		}
	}
	if !hit[0] || !hit[1] {
		t.Fatalf("centroids %v miss a group", cent)
	}
	if _, _, err := KMeans(x, dim, 61, 1, 1); err == nil {
		t.Fatal("more clusters than vectors accepted")
	}
	if _, _, err := KMeans(x[:5], dim, 1, 1, 1); err == nil {
		t.Fatal("ragged input accepted")
	}
	if _, _, err := KMeans(x, dim, 2, 0, 1); err == nil {
		t.Fatal("zero rounds accepted")
	}
	if _, c, err := KMeans(x, dim, 60, 1, 1); err != nil || c[0] != 1 || c[59] != 1 {
		t.Fatalf("one cluster per vector: counts %v, %v", c, err)
	}
}
