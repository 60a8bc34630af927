package host

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

// Forms makes every reduction asked for, in order, and each form's items are
// the cache's whole keys remade in it exactly as its queries are remade
// (Queries.Rekey): items and queries of a form must be the same function of
// the whole key, or the fit study scores a cache the board would not run.
func TestForms(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	whole := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 4, H: 4, W: 4}, {Name: "b", C: 3, H: 4, W: 4}}}
	full, _ := cachetest.RandCache(t, r, whole, 3, 90)
	const nFit = 60
	var sample []int
	for i := 0; i < nFit; i += 2 {
		sample = append(sample, i)
	}
	var lines []string
	o := FormOptions{Pooled: []int{4, 7, 99}, Avg2: []int{6}, Whole: []int{5}, Sample: sample,
		Log: func(s string) { lines = append(lines, s) }}
	forms, err := Forms(full, nFit, o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range forms {
		names = append(names, f.Name)
	}
	// 99 is not below the pooled key's 7 values and 7 is not a reduction:
	// only 4 is made.
	if got := strings.Join(names, " "); got != "whole avg avg+pca4 avg2+pca6 whole+pca5" {
		t.Fatalf("forms %q", got)
	}
	if len(lines) != 3 {
		t.Fatalf("log %q, want one line per projection", lines)
	}
	q := &Queries{Dim: whole.Dim(), Classes: 3}
	var wk []float32
	for i := 0; i < full.Len(); i++ {
		wk = full.Key(wk, i)
		q.Keys = append(q.Keys, wk...)
		q.Labels = append(q.Labels, full.Label(i))
		q.Probs = append(q.Probs, 1, 0, 0)
	}
	for _, f := range forms {
		if f.Name == "whole" {
			if f.Keys != nil || f.Candidates(3, full.Len(), nFit, 1<<20)[0].Entries.Clustered() {
				t.Fatalf("whole keys: %d remade values, or clustered", len(f.Keys))
			}
			continue
		}
		if len(f.Keys) != full.Len()*f.Spec.Dim() {
			t.Fatalf("%s: %d values for %d items of %d", f.Name, len(f.Keys), full.Len(), f.Spec.Dim())
		}
		rq, err := q.Rekey(f.Spec, whole)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range rq.Keys {
			if math.Abs(float64(v-f.Keys[i])) > 1e-5 {
				t.Fatalf("%s: item %d value %d: %v as an item, %v as a query", f.Name, i/rq.Dim, i%rq.Dim, f.Keys[i], v)
			}
		}
		p, err := f.Pool(full, nFit)
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Build(Candidate{EntriesKMeans, 12}, 3, 1)
		if err != nil || c.Len() != 12 || c.Spec().Check(f.Spec) != nil {
			t.Fatalf("%s: k-means cache %v, %v", f.Name, c, err)
		}
	}

	proj := forms[len(forms)-1].Spec
	pc, err := cache.New(proj, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		full *cache.Cache
		nFit int
		o    FormOptions
		want string
	}{
		{"projected keys", pc, 1, FormOptions{}, "projected"},
		{"no fit items", full, 0, FormOptions{}, "0 fit items"},
		{"more fit items than the cache", full, 91, FormOptions{}, "91 fit items"},
		{"sample past the fit items", full, nFit, FormOptions{Whole: []int{5}, Sample: []int{nFit}}, "not one of the 60 fit items"},
		{"no sample", full, nFit, FormOptions{Avg2: []int{5}}, "needs a sample"},
	} {
		if _, err := Forms(c.full, c.nFit, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := q.Rekey(forms[1].Spec, forms[1].Spec); err == nil {
		t.Error("queries of the wrong length rekeyed")
	}
}

// Try is the candidate built from the fit items and tuned on the
// validation queries, exactly as by hand; Final rebuilds it from every item
// and refuses a budget it does not fit.
func TestFormTryAndFinal(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	whole := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 4, H: 2, W: 2}, {Name: "b", C: 4, H: 2, W: 2}}}
	full, centres := cachetest.RandCache(t, r, whole, 3, 150)
	const nFit = 120
	forms, err := Forms(full, nFit, FormOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := forms[1] // avg
	// Validation queries near the class centres, in whole-key form.
	val := &Queries{Dim: whole.Dim(), Classes: 3}
	for i := 0; i < 30; i++ {
		y := i % 3
		k := make([]float32, whole.Dim())
		for j := range k {
			k[j] = centres[y][j] + 0.3*float32(r.NormFloat64())/float32(math.Sqrt(float64(len(k))))
		}
		cachetest.Normalize(k)
		val.Keys = append(val.Keys, k...)
		val.Labels = append(val.Labels, y)
		val.Probs = append(val.Probs, 0.4, 0.3, 0.3)
	}
	fv, err := val.Rekey(f.Spec, whole)
	if err != nil {
		t.Fatal(err)
	}
	cand := Candidate{EntriesKMeans, 15}
	got, err := f.Try(full, nFit, cand, fv, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPool(f.Spec, full, f.Keys, nFit)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Build(cand, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Tune(fv.Keys, fv.Labels, fv.Probs, c, TuneOptions{NoRefine: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Theta != want.Theta || got.Lambda != want.Lambda || got.Acc != want.Acc || got.CacheOnlyTheta != want.CacheOnlyTheta {
		t.Fatalf("Try: theta %v lambda %v acc %v; by hand %v %v %v", got.Theta, got.Lambda, got.Acc, want.Theta, want.Lambda, want.Acc)
	}
	if _, err := f.Try(full, nFit, cand, val, 4, 3); err == nil || !strings.Contains(err.Error(), "queries of") {
		t.Fatalf("whole-key queries for pooled keys: %v", err)
	}
	fin, err := f.Final(full, cand, 1<<20, 4, 3)
	if err != nil || fin.Len() != 15 {
		t.Fatalf("final: %v, %v", fin, err)
	}
	if _, err := f.Final(full, cand, int64(fin.Bytes())-1, 4, 3); err == nil || !strings.Contains(err.Error(), "over the budget") {
		t.Fatalf("a byte short of the budget: %v", err)
	}
}
