package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// lookupBench is the board's per-frame split: the network at batch 1 (float32
// and int8) against the cache lookup (taps to key, projection, p_cache). The
// issue's goal is a lookup under 10% of the network's time.
type lookupBench struct {
	Cache     string  `json:"cache"`
	Items     int     `json:"items"`
	Dim       int     `json:"key_dim"`
	Bytes     int     `json:"bytes"`
	Queries   string  `json:"queries"`
	FloatMs   float64 `json:"float32_ms"`
	Int8Ms    float64 `json:"int8_ms,omitempty"`
	LookupMs  float64 `json:"lookup_ms"`
	FloatMin  float64 `json:"float32_min_ms"`
	Int8Min   float64 `json:"int8_min_ms,omitempty"`
	LookupMin float64 `json:"lookup_min_ms"`
	PctFloat  float64 `json:"lookup_pct_of_float32"`
	PctInt8   float64 `json:"lookup_pct_of_int8,omitempty"`
	// Contributors: per query, how many items fall within the lookup's
	// cutoff (median and fewest over the queries): what an index over the
	// items could at best leave unread is the rest.
	Contributors    int `json:"contributors_median"`
	ContributorsMin int `json:"contributors_min"`
}

// benchLookup alternates the float32 network, the int8 network (q may be
// nil) and the lookup in one loop, so that load on a shared machine falls on
// all three alike, and reports medians and fastest runs. The lookup's key
// comes from the taps of the run just made (int8 when there is a model, as on
// the board), over real images from data's test split when data is given:
// random pixels give similarities unlike a real frame's, and the lookup's
// cost depends on how many items fall within its cutoff.
func benchLookup(net *model.Net, q *quant.Model, mem *cache.Cache, path, data string, o benchOpts) (*lookupBench, error) {
	spec := mem.Spec()
	var names []string
	for _, t := range spec.Taps {
		names = append(names, t.Name)
	}
	// The board program's check: the cache's taps in this network (the int8
	// one when there is one), the same classes.
	kn := &keyNet{Float: net, Int8: q}
	if err := kn.Fits(mem); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fr, err := net.NewRunner(1, names...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tapsFrom := engine(fr)
	var ir engine
	if q != nil {
		if ir, err = q.NewRunner(1, names...); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		tapsFrom = ir
	}
	n := min(o.runs, 500)
	x := benchInput(n)
	what := "random pixels"
	if data != "" {
		set, err := openSet(data, "test", net.Classes)
		if err != nil {
			return nil, err
		}
		set = set.Limit(n)
		for i := 0; i < set.Len(); i++ {
			if err := set.Load(i, x[i*model.InputLen:(i+1)*model.InputLen]); err != nil {
				return nil, err
			}
		}
		n = set.Len()
		what = fmt.Sprintf("%d test images of %s", n, data)
	}
	sc := mem.NewScratch()
	taps := make([][]float32, len(names))
	p := make([]float32, mem.Classes())
	var tf, ti, tl []float64
	ms := func(t time.Time) float64 { return float64(time.Since(t).Nanoseconds()) / 1e6 }
	for i := -o.warmup; i < o.runs; i++ {
		img := x[(i+o.warmup)%n*model.InputLen:][:model.InputLen]
		t := time.Now()
		if _, err := fr.Run(img, 1); err != nil {
			return nil, err
		}
		df := ms(t)
		var di float64
		if ir != nil {
			t = time.Now()
			if _, err := ir.Run(img, 1); err != nil {
				return nil, err
			}
			di = ms(t)
		}
		t = time.Now()
		for k, name := range names {
			taps[k] = tapsFrom.Tap(name)
		}
		if err := mem.TapProbs(p, sc, taps); err != nil {
			return nil, err
		}
		dl := ms(t)
		if i >= 0 {
			tf, ti, tl = append(tf, df), append(ti, di), append(tl, dl)
		}
	}
	for _, s := range [][]float64{tf, ti, tl} {
		slices.Sort(s)
	}
	// Apart from the timed loop, so that it disturbs no timing.
	key := make([]float32, mem.Dim())
	var within []int
	for i := 0; i < n; i++ {
		img := x[i*model.InputLen:][:model.InputLen]
		if _, err := tapsFrom.Run(img, 1); err != nil {
			return nil, err
		}
		for k, name := range names {
			taps[k] = tapsFrom.Tap(name)
		}
		if err := spec.Key(key, taps); err != nil {
			return nil, err
		}
		c, err := mem.Contributors(key, mem.Theta)
		if err != nil {
			return nil, err
		}
		within = append(within, c)
	}
	slices.Sort(within)
	med := func(s []float64) float64 { return s[len(s)/2] }
	r := &lookupBench{Cache: path, Items: mem.Len(), Dim: mem.Dim(), Bytes: mem.Bytes(), Queries: what,
		FloatMs: med(tf), LookupMs: med(tl), FloatMin: tf[0], LookupMin: tl[0],
		Contributors: within[len(within)/2], ContributorsMin: within[0]}
	r.PctFloat = 100 * r.LookupMs / r.FloatMs
	if ir != nil {
		r.Int8Ms, r.Int8Min = med(ti), ti[0]
		r.PctInt8 = 100 * r.LookupMs / r.Int8Ms
	}
	return r, nil
}

func (r *lookupBench) print(w io.Writer) {
	fmt.Fprintf(w, "\ncache %s: %d items of %d values, %s on the board; queries: %s\n", r.Cache, r.Items, r.Dim, formatBytes(int64(r.Bytes)), r.Queries)
	fmt.Fprintf(w, "%-22s %10s %10s %12s\n", "per frame, batch 1", "ms median", "fastest", "lookup share")
	fmt.Fprintf(w, "%-22s %10.3f %10.3f %11.1f%%\n", "network float32", r.FloatMs, r.FloatMin, r.PctFloat)
	if r.Int8Ms > 0 {
		fmt.Fprintf(w, "%-22s %10.3f %10.3f %11.1f%%\n", "network int8", r.Int8Ms, r.Int8Min, r.PctInt8)
	}
	fmt.Fprintf(w, "%-22s %10.3f %10.3f\n", "cache lookup", r.LookupMs, r.LookupMin)
	fmt.Fprintf(w, "items within the cutoff (e^-40 of the best term) per query: median %d, fewest %d of %d\n", r.Contributors, r.ContributorsMin, r.Items)
}
