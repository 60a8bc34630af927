package main

import (
	"fmt"
	"slices"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/cache/pca"
	"github.com/edgecache/edgecache/tools/keys"
)

// fitForms makes the key reductions: whole keys as they are, per-tap average
// pooling and PCA of the pooled keys to each of dims, PCA of the whole keys to
// each of wdims, and 2x2 pooling with PCA to each of a2dims.
func fitForms(full *cache.Cache, nFit int, whole cache.Spec, dims, wdims, a2dims []int, nSample int, val *queries, tests []*queries) ([]*fitForm, error) {
	var pooled cache.Spec
	for _, t := range whole.Taps {
		t.Pool = cache.PoolAvg
		pooled.Taps = append(pooled.Taps, t)
	}
	// Pooled keys of every item, from the stored (fp16) whole keys.
	avgAll, err := host.RekeyCache(pooled, full)
	if err != nil {
		return nil, err
	}
	wk := make([]float32, 0, whole.Dim())
	specs := []cache.Spec{whole, pooled}
	var ps []cache.Spec
	ps, err = pcaSpecs(pooled, avgAll[:nFit*pooled.Dim()], dims, "pooled")
	if err != nil {
		return nil, err
	}
	specs = append(specs, ps...)
	var x []float32 // the PCA sample of whole keys
	if len(wdims) > 0 || len(a2dims) > 0 {
		for _, i := range keys.Spread(nFit, min(nSample, nFit)) {
			wk = full.Key(wk, i)
			x = append(x, wk...)
		}
	}
	if len(a2dims) > 0 {
		var a2 cache.Spec
		for _, t := range whole.Taps {
			t.Pool = cache.PoolAvg2
			a2.Taps = append(a2.Taps, t)
		}
		xa, err := host.Rekey(a2, whole, x)
		if err != nil {
			return nil, err
		}
		ps, err := pcaSpecs(a2, xa, a2dims, "2x2-pooled")
		if err != nil {
			return nil, err
		}
		specs = append(specs, ps...)
	}
	ps, err = pcaSpecs(whole, x, wdims, "whole")
	if err != nil {
		return nil, err
	}
	specs = append(specs, ps...)
	var forms []*fitForm
	for _, s := range specs {
		f := &fitForm{spec: s}
		switch {
		case s.Proj != nil && s.Taps[0].Pool == cache.PoolNone:
			f.name = fmt.Sprintf("whole+pca%d", s.Dim())
		case s.Proj != nil && s.Taps[0].Pool == cache.PoolAvg2:
			f.name = fmt.Sprintf("avg2+pca%d", s.Dim())
		case s.Proj != nil:
			f.name = fmt.Sprintf("avg+pca%d", s.Dim())
		case s.Taps[0].Pool == cache.PoolAvg:
			f.name = "avg"
		default:
			f.name = "whole"
		}
		var err error
		if f.val, err = rekeyQueries(s, whole, val); err != nil {
			return nil, err
		}
		for _, q := range tests {
			tq, err := rekeyQueries(s, whole, q)
			if err != nil {
				return nil, err
			}
			f.test = append(f.test, tq)
		}
		if f.name != "whole" {
			// Items reduce from their pooled keys (pooling commutes with the
			// global scale of the normalised whole key).
			switch {
			case s.Taps[0].Pool == cache.PoolNone || s.Taps[0].Pool == cache.PoolAvg2:
				// Projected whole or 2x2-pooled keys: from the stored whole keys.
				if f.full, err = host.RekeyCache(s, full); err != nil {
					return nil, err
				}
			case s.Proj == nil:
				f.full = avgAll
			default:
				pooledOnly := cache.Spec{Taps: []cache.TapSpec{{Name: "pooled", C: pooled.Dim(), H: 1, W: 1}}, Proj: s.Proj}
				if f.full, err = host.Rekey(pooledOnly, noProj(pooledOnly), avgAll); err != nil {
					return nil, err
				}
			}
		}
		forms = append(forms, f)
	}
	return forms, nil
}

// pcaSpecs returns base with a PCA projection of the keys x to each of dims
// that reduces the key and the sample can give (base's own keys, normalised:
// PCA's uncentred moments are indifferent to each key's scale). One
// decomposition serves every d: the leading directions come first.
func pcaSpecs(base cache.Spec, x []float32, dims []int, what string) ([]cache.Spec, error) {
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
		fmt.Fprintf(logTo, "fit: PCA of %s keys to %d dimensions\n", what, d)
	}
	return out, nil
}

func noProj(s cache.Spec) cache.Spec {
	s.Proj = nil
	return s
}

// rekeyQueries remakes whole-tap queries with spec.
func rekeyQueries(spec, whole cache.Spec, q *queries) (*queries, error) {
	keys, err := host.Rekey(spec, whole, q.Keys)
	if err != nil {
		return nil, err
	}
	r := *q
	r.Dim, r.Keys = spec.Dim(), keys
	return &r, nil
}
