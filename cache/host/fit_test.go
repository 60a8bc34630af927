package host

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

// Every candidate for a budget builds into a cache that fits it (Bytes, the
// board's whole memory), with the items it promised (weighted k-means may
// drop empty clusters); a budget too small for one item per class gets none.
func TestCandidatesFitTheBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	whole := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 4, H: 2, W: 2}, {Name: "b", C: 4, H: 2, W: 2}}}
	full, _ := cachetest.RandCache(t, r, whole, 3, 300)
	var pooled cache.Spec
	for _, tp := range whole.Taps {
		tp.Pool = cache.PoolAvg
		pooled.Taps = append(pooled.Taps, tp)
	}
	keys, err := RekeyCache(pooled, full)
	if err != nil {
		t.Fatal(err)
	}
	const nFit = 240
	for _, budget := range []int64{2 << 10, 4 << 10, 8 << 10, 64 << 10} {
		cands := Candidates(pooled, 3, full.Len(), nFit, budget, true)
		if len(cands) == 0 {
			t.Fatalf("budget %d: no candidates", budget)
		}
		for _, cand := range cands {
			for _, n := range []int{nFit, full.Len()} {
				p, err := NewPool(pooled, full, keys, n)
				if err != nil {
					t.Fatal(err)
				}
				c, err := p.Build(cand, 5, 1)
				if err != nil {
					t.Fatal(err)
				}
				if int64(c.Bytes()) > budget {
					t.Fatalf("%+v from %d items: %d bytes, budget %d", cand, n, c.Bytes(), budget)
				}
				if want := min(cand.Items, n); c.Len() != want && !(cand.Entries == EntriesWKMeans && c.Len() <= want) {
					t.Fatalf("%+v from %d items: built %d", cand, n, c.Len())
				}
				if c.Weighted() != (cand.Entries == EntriesWKMeans) {
					t.Fatalf("%+v: weighted %v", cand, c.Weighted())
				}
			}
		}
	}
	if got := Candidates(pooled, 3, full.Len(), nFit, int64(cache.Footprint(pooled, 3, 2, false)), true); got != nil {
		t.Fatalf("room for 2 items of 3 classes: %+v", got)
	}
	if got := Candidates(pooled, 3, full.Len(), nFit, 1<<30, true); len(got) != 1 || got[0] != (Candidate{EntriesAll, full.Len()}) {
		t.Fatalf("a budget for everything: %+v", got)
	}
}

// Rekeyed whole keys equal keys made directly from the taps: pooling and
// normalisation commute with the whole key's global scale.
func TestRekeyMatchesDirectKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	whole := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 3, H: 4, W: 4}, {Name: "b", C: 2, H: 4, W: 4}}}
	var a2 cache.Spec
	for _, tp := range whole.Taps {
		tp.Pool = cache.PoolAvg2
		a2.Taps = append(a2.Taps, tp)
	}
	const n = 5
	var wholeKeys []float32
	direct := make([]float32, n*a2.Dim())
	for i := 0; i < n; i++ {
		taps := [][]float32{cachetest.UnitVec(r, 48), cachetest.UnitVec(r, 32)}
		k := make([]float32, whole.Dim())
		if err := whole.Key(k, taps); err != nil {
			t.Fatal(err)
		}
		wholeKeys = append(wholeKeys, k...)
		if err := a2.Key(direct[i*a2.Dim():(i+1)*a2.Dim()], taps); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Rekey(a2, whole, wholeKeys)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range direct {
		if math.Abs(float64(v-got[i])) > 1e-6 {
			t.Fatalf("value %d: rekeyed %v, direct %v", i, got[i], v)
		}
	}
	other := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 3, H: 4, W: 4}}}
	if _, err := Rekey(other, whole, wholeKeys); err == nil || !strings.Contains(err.Error(), "taps") {
		t.Fatalf("other taps: %v", err)
	}
	if _, err := Rekey(a2, whole, wholeKeys[1:]); err == nil {
		t.Fatal("ragged keys accepted")
	}
}

// A pool of keys with no cache behind it (NewKeyPool, what tools/boardfit
// builds from) makes the very cache a pool over a cache holding the same
// keys makes, for every kind of entries; bad pools are refused by name.
func TestKeyPool(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	whole := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 4, H: 2, W: 2}, {Name: "b", C: 4, H: 2, W: 2}}}
	full, _ := cachetest.RandCache(t, r, whole, 3, 120)
	var pooled cache.Spec
	for _, tp := range whole.Taps {
		tp.Pool = cache.PoolAvg
		pooled.Taps = append(pooled.Taps, tp)
	}
	keys, err := RekeyCache(pooled, full)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, full.Len())
	for i := range labels {
		labels[i] = full.Label(i)
	}
	fromCache, err := NewPool(pooled, full, keys, full.Len())
	if err != nil {
		t.Fatal(err)
	}
	fromKeys, err := NewKeyPool(pooled, 3, keys, labels)
	if err != nil {
		t.Fatal(err)
	}
	for _, cand := range []Candidate{{EntriesSubset, 30}, {EntriesKMeans, 30}, {EntriesWKMeans, 30}, {EntriesAll, full.Len()}} {
		a, err := fromCache.Build(cand, 5, 7)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fromKeys.Build(cand, 5, 7)
		if err != nil {
			t.Fatal(err)
		}
		if a.Len() != b.Len() || a.Classes() != b.Classes() || a.Weighted() != b.Weighted() || a.Len() == 0 {
			t.Fatalf("%+v: %d items of %d classes from the cache, %d of %d from the keys", cand, a.Len(), a.Classes(), b.Len(), b.Classes())
		}
		for i := 0; i < a.Len(); i++ {
			if a.Label(i) != b.Label(i) || a.Weight(i) != b.Weight(i) || !slices.Equal(a.KeyBits(i), b.KeyBits(i)) {
				t.Fatalf("%+v: item %d differs", cand, i)
			}
		}
	}
	d := pooled.Dim()
	bad := []struct {
		name    string
		spec    cache.Spec
		classes int
		keys    []float32
		labels  []int
		want    string
	}{
		{"label past the classes", pooled, 3, keys[:2*d], []int{0, 3}, "label 3 of 3"},
		{"negative label", pooled, 3, keys[:2*d], []int{-1, 0}, "label -1"},
		{"ragged keys", pooled, 3, keys[:2*d-1], []int{0, 1}, "key values"},
		{"no classes", pooled, 0, keys[:d], []int{0}, "0 classes"},
		{"no items", pooled, 3, nil, nil, "0 items"},
		{"no taps", cache.Spec{}, 3, keys[:d], []int{0}, "host:"},
	}
	for _, c := range bad {
		if _, err := NewKeyPool(c.spec, c.classes, c.keys, c.labels); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
		// The same pool made by hand: Build refuses it (no panic).
		p := &Pool{Spec: c.spec, Classes: c.classes, Keys: c.keys, Labels: c.labels}
		if c.keys == nil {
			p.Keys = []float32{}
		}
		for _, e := range []Entries{EntriesSubset, EntriesKMeans} {
			if _, err := p.Build(Candidate{e, 1}, 2, 1); err == nil {
				t.Errorf("%s: a hand-made pool built %s", c.name, e)
			}
		}
	}
	if _, err := (&Pool{Spec: pooled, Classes: 3, Labels: []int{0}}).Build(Candidate{EntriesSubset, 1}, 2, 1); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("a pool of nothing: %v", err)
	}
	if _, err := fromKeys.Build(Candidate{EntriesKMeans, 0}, 2, 1); err == nil {
		t.Error("a cache of no items built")
	}
}
