package host

import (
	"fmt"
	"slices"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/pca"
)

// The key reductions a memory-budget fit tries: from a full cache of
// whole-tap keys, the same taps average-pooled (per channel, or over 2x2
// blocks) or projected by PCA to fewer dimensions. The search over them is
// the host tool's `cache fit`; tools/boardfit applies its pick.

// Form is one key reduction: the spec of the reduced keys and every item of
// the full cache remade in it (Keys, rows of Spec.Dim()), or Keys nil for
// the whole keys themselves (the cache's own, which are never clustered).
type Form struct {
	// Name is how the fit study prints the form: "whole", "avg",
	// "avg+pcaD", "avg2+pcaD" or "whole+pcaD" (D the key's values).
	Name string
	Spec cache.Spec
	Keys []float32
}

// FormOptions says which reductions Forms makes besides the whole keys and
// their per-channel average pooling.
type FormOptions struct {
	// Pooled, Avg2 and Whole are the PCA dimensions tried for the
	// average-pooled keys, the 2x2-pooled keys and the whole keys; each
	// dimension below the key's and within the sample is made. The fp16
	// projection counts against a budget (cache.Footprint), which is what
	// rules out large ones for long keys.
	Pooled, Avg2, Whole []int
	// Sample lists the fit items the 2x2-pooled and whole-key PCAs are
	// fitted to (a whole-key PCA of every item would need a Gram matrix of
	// every item); the pooled PCA takes every fit item.
	Sample []int
	// Log, if not nil, gets one line per projection fitted.
	Log func(line string)
}

// Forms makes the key reductions of full, a cache of whole-tap keys whose
// first nFit items are the fit split's (the only ones the PCAs see): the
// whole keys, their per-channel average pooling, and a PCA projection of
// the pooled, 2x2-pooled and whole keys to each of o's dimensions.
func Forms(full *cache.Cache, nFit int, o FormOptions) ([]*Form, error) {
	whole := full.Spec()
	if whole.Proj != nil {
		return nil, fmt.Errorf("host: the cache's keys are projected (%v); key reductions start from whole-tap keys", whole)
	}
	if nFit < 1 || nFit > full.Len() {
		return nil, fmt.Errorf("host: %d fit items of a cache of %d", nFit, full.Len())
	}
	if (len(o.Whole) > 0 || len(o.Avg2) > 0) && len(o.Sample) == 0 {
		return nil, fmt.Errorf("host: PCA of the whole or 2x2-pooled keys needs a sample of fit items")
	}
	for _, i := range o.Sample {
		if i < 0 || i >= nFit {
			return nil, fmt.Errorf("host: PCA sample item %d is not one of the %d fit items", i, nFit)
		}
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			o.Log(fmt.Sprintf(format, a...))
		}
	}
	pooled := withPool(whole, cache.PoolAvg)
	// Pooled keys of every item, from the stored (fp16) whole keys: pooling
	// commutes with the whole key's global scale.
	avgAll, err := RekeyCache(pooled, full)
	if err != nil {
		return nil, err
	}
	forms := []*Form{{Name: "whole", Spec: whole}, {Name: "avg", Spec: pooled, Keys: avgAll}}

	specs, err := pcaSpecs(pooled, avgAll[:nFit*pooled.Dim()], o.Pooled, "pooled", logf)
	if err != nil {
		return nil, err
	}
	// The projection of pooled keys applies to avgAll's rows, as to a
	// one-tap key of the pooled values.
	flat := cache.Spec{Taps: []cache.TapSpec{{Name: "pooled", C: pooled.Dim(), H: 1, W: 1}}}
	for _, s := range specs {
		p := flat
		p.Proj = s.Proj
		keys, err := Rekey(p, flat, avgAll)
		if err != nil {
			return nil, err
		}
		forms = append(forms, &Form{Name: fmt.Sprintf("avg+pca%d", s.Dim()), Spec: s, Keys: keys})
	}

	if len(o.Whole) == 0 && len(o.Avg2) == 0 {
		return forms, nil
	}
	var x, wk []float32 // the PCA sample of whole keys
	for _, i := range o.Sample {
		wk = full.Key(wk, i)
		x = append(x, wk...)
	}
	var more []cache.Spec
	if len(o.Avg2) > 0 {
		a2 := withPool(whole, cache.PoolAvg2)
		xa, err := Rekey(a2, whole, x)
		if err != nil {
			return nil, err
		}
		if specs, err = pcaSpecs(a2, xa, o.Avg2, "2x2-pooled", logf); err != nil {
			return nil, err
		}
		more = append(more, specs...)
	}
	if specs, err = pcaSpecs(whole, x, o.Whole, "whole", logf); err != nil {
		return nil, err
	}
	more = append(more, specs...)
	for _, s := range more {
		name := fmt.Sprintf("whole+pca%d", s.Dim())
		if s.Taps[0].Pool == cache.PoolAvg2 {
			name = fmt.Sprintf("avg2+pca%d", s.Dim())
		}
		keys, err := RekeyCache(s, full)
		if err != nil {
			return nil, err
		}
		forms = append(forms, &Form{Name: name, Spec: s, Keys: keys})
	}
	return forms, nil
}

// withPool is s's taps pooled as pool, unprojected.
func withPool(s cache.Spec, pool cache.Pool) cache.Spec {
	var out cache.Spec
	for _, t := range s.Taps {
		t.Pool = pool
		out.Taps = append(out.Taps, t)
	}
	return out
}

// pcaSpecs returns base with a PCA projection of the keys x to each of dims
// that reduces the key and that the sample can give (base's own keys,
// normalised: PCA's uncentred moments are indifferent to each key's scale).
// One decomposition serves every d: the leading directions come first.
func pcaSpecs(base cache.Spec, x []float32, dims []int, what string, logf func(string, ...any)) ([]cache.Spec, error) {
	n := len(x) / base.Dim()
	var ok []int
	for _, d := range dims {
		if d >= 1 && d < base.Dim() && d <= n {
			ok = append(ok, d)
		}
	}
	if len(ok) == 0 {
		return nil, nil
	}
	p, err := pca.Fit(x, base.Dim(), slices.Max(ok))
	if err != nil {
		return nil, err
	}
	var out []cache.Spec
	for _, d := range ok {
		s := base
		if s.Proj, err = p.Leading(d); err != nil {
			return nil, err
		}
		out = append(out, s)
		logf("PCA of %s keys to %d dimensions", what, d)
	}
	return out, nil
}

// Candidates lists the entry reductions of this form that fit budget
// (host.Candidates for a full cache of total items, nFit of them the fit
// split's): the whole keys are never clustered.
func (f *Form) Candidates(classes, total, nFit int, budget int64) []Candidate {
	return Candidates(f.Spec, classes, total, nFit, budget, f.Keys != nil)
}

// Pool is the form's first n items of full (the cache Forms was given).
func (f *Form) Pool(full *cache.Cache, n int) (*Pool, error) {
	return NewPool(f.Spec, full, f.Keys, n)
}

// Try builds cand of form f from the first nFit items of full (k-means of
// at most iters rounds, from seed) and tunes it on val, validation queries
// in f's form: the paper's grid without the local refinement, as a search
// over many candidates compares them.
func (f *Form) Try(full *cache.Cache, nFit int, cand Candidate, val *Queries, iters int, seed uint64) (*Result, error) {
	if val.Dim != f.Spec.Dim() {
		return nil, fmt.Errorf("host: queries of %d values for keys of %d (%s)", val.Dim, f.Spec.Dim(), f.Name)
	}
	c, err := f.build(full, nFit, cand, iters, seed)
	if err != nil {
		return nil, err
	}
	return Tune(val.Keys, val.Labels, val.Probs, c, TuneOptions{NoRefine: true})
}

// Final rebuilds cand of form f from every item of full (as Try built it
// from the fit items) and refuses the cache if it takes more than budget
// bytes on the board. The caller sets its tuned mixture.
func (f *Form) Final(full *cache.Cache, cand Candidate, budget int64, iters int, seed uint64) (*cache.Cache, error) {
	c, err := f.build(full, full.Len(), cand, iters, seed)
	if err != nil {
		return nil, err
	}
	if int64(c.Bytes()) > budget {
		return nil, fmt.Errorf("host: %s %s of %d items takes %d bytes, over the budget of %d", f.Name, cand.Entries, c.Len(), c.Bytes(), budget)
	}
	return c, nil
}

func (f *Form) build(full *cache.Cache, n int, cand Candidate, iters int, seed uint64) (*cache.Cache, error) {
	p, err := f.Pool(full, n)
	if err != nil {
		return nil, err
	}
	return p.Build(cand, iters, seed)
}

// Rekey remakes queries of whole-tap keys (of spec whole) as queries of
// spec's keys; labels and probabilities are shared with q.
func (q *Queries) Rekey(spec, whole cache.Spec) (*Queries, error) {
	if q.Dim != whole.Dim() {
		return nil, fmt.Errorf("host: queries of %d values, whole keys of %d", q.Dim, whole.Dim())
	}
	keys, err := Rekey(spec, whole, q.Keys)
	if err != nil {
		return nil, err
	}
	r := *q
	r.Dim, r.Keys = spec.Dim(), keys
	return &r, nil
}
