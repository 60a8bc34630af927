package main

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

// fitForm is a key reduction (host.Form) with the validation and test
// queries remade in it.
type fitForm struct {
	*host.Form
	val  *queries
	test []*queries
}

// fitForms makes the key reductions of full (host.Forms: whole keys,
// per-tap average pooling, PCA of the pooled keys to each of dims, of the
// whole keys to each of wdims, of the 2x2-pooled keys to each of a2dims,
// the last two fitted to nSample fit items spread over the split) and
// remakes the whole-key queries val and tests in each.
func fitForms(full *cache.Cache, nFit int, whole cache.Spec, dims, wdims, a2dims []int, nSample int, val *queries, tests []*queries) ([]*fitForm, error) {
	o := host.FormOptions{Pooled: dims, Avg2: a2dims, Whole: wdims,
		Log: func(line string) { fmt.Fprintf(logTo, "fit: %s\n", line) }}
	if len(wdims) > 0 || len(a2dims) > 0 {
		o.Sample = keys.Spread(nFit, min(nSample, nFit))
	}
	hf, err := host.Forms(full, nFit, o)
	if err != nil {
		return nil, err
	}
	var forms []*fitForm
	for _, h := range hf {
		f := &fitForm{Form: h}
		if f.val, err = rekeyQueries(h.Spec, whole, val); err != nil {
			return nil, err
		}
		for _, q := range tests {
			tq, err := rekeyQueries(h.Spec, whole, q)
			if err != nil {
				return nil, err
			}
			f.test = append(f.test, tq)
		}
		forms = append(forms, f)
	}
	return forms, nil
}

// rekeyQueries remakes whole-tap queries with spec (host.Queries.Rekey),
// keeping where each came from.
func rekeyQueries(spec, whole cache.Spec, q *queries) (*queries, error) {
	hq, err := q.Queries.Rekey(spec, whole)
	if err != nil {
		return nil, err
	}
	r := *q
	r.Queries = *hq
	return &r, nil
}
