package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/pca"
)

func init() {
	register("cache fit", "the best cache that fits a board's memory budget (key and entry reductions)", runCacheFit)
}

// fitForm is a key reduction: the spec of the reduced keys, made from a
// whole-tap key's per-tap segments.
type fitForm struct {
	name string
	spec cache.Spec
	full []float32 // reduced keys of every item of the full cache
	val  *queries
	test []*queries
}

// fitVariant is one candidate: a key form and an entry reduction.
type fitVariant struct {
	Form      string    `json:"keys"`
	Dim       int       `json:"dim"`
	Entries   string    `json:"entries"` // all, subset, kmeans or wkmeans (prototypes weighted by cluster size)
	Items     int       `json:"items"`   // in the final (full training set) cache
	Bytes     int       `json:"bytes"`
	Budget    int64     `json:"budget"`
	Theta     float64   `json:"theta"`
	Lambda    float64   `json:"lambda"`
	ValErr    float64   `json:"val_error"`
	TestErr   []float64 `json:"test_error"`
	TestCOErr []float64 `json:"test_error_cache_only"`
	COTheta   float64   `json:"cache_only_theta"`
	ValCOErr  float64   `json:"val_error_cache_only"`
}

func (v fitVariant) String() string {
	return fmt.Sprintf("%s (%d values), %s %d items", v.Form, v.Dim, v.Entries, v.Items)
}

var defaultBudgets = []string{"256KiB", "1MiB", "4MiB", "16MiB", "64MiB"}

func runCacheFit(args []string, stdout io.Writer) error {
	fs := newFlags("cache fit", "-model FILE -data DIR -from FULL.cache -budget 4MiB [-o FILE] [-test-data DIR2] [-md FILE]\n\n"+
		"Searches smaller caches made from a full cache of whole-tap keys (from `cache table -o-cache`, whose first items\n"+
		"are the fit split's and the rest the val split's): key reductions (per-tap global or 2x2 average pooling,\n"+
		"PCA of the pooled or whole keys to d dimensions with an fp16 projection, fp16 keys always) and entry\n"+
		"reductions (class-balanced random subsets, per-class spherical k-means prototypes, unweighted or weighted\n"+
		"by cluster size). Each candidate is built from the fit items, tuned on validation images (paper grid) and\n"+
		"scored by validation accuracy; the best that fits each budget, counting every byte the board holds\n"+
		"(cache.Cache.Bytes: keys, labels, weights, projection, lookup scratch), is rebuilt from all\n"+
		"training items and scored on the test sets. Prints the Pareto table for 256KiB,1MiB,4MiB,16MiB,64MiB and\n"+
		"-budget, and writes the cache chosen for -budget to -o.")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "ImageFolder root with train/ and test/ (the one the full cache was built from)")
	testData := fs.String("test-data", "", "another data set whose test split is also scored")
	from := fs.String("from", "", "full cache of whole-tap keys from `edgecache cache table -o-cache`")
	budget := fs.String("budget", "4MiB", "memory budget of the cache to write (KiB, MiB, GiB, kB, MB, GB or bytes)")
	budgets := fs.String("budgets", strings.Join(defaultBudgets, ","), "budgets of the Pareto table")
	dims := fs.String("pca", "8,16,32,64,128", "PCA dimensions to try for the pooled keys")
	wdims := fs.String("pca-whole", "16,32,64", "PCA dimensions to try for the whole-tap keys (the projection counts against the budget)")
	a2dims := fs.String("pca-avg2", "64,96,128", "PCA dimensions to try for the 2x2-pooled keys (empty: no 2x2-pooled keys)")
	sample := fs.Int("pca-sample", 2000, "fit items (spread over the classes) the whole-key PCA is fitted to")
	valLimit := fs.Int("val-limit", 0, "validation images that score the candidates (0: all 5,000)")
	queryFlip := fs.Bool("query-flip", true, "validation images and their flips as queries (the paper's tuning protocol; twice the queries steady the choice)")
	testLimit := fs.Int("test-limit", 0, "score only N images of each test set (0: all)")
	iters := fs.Int("kmeans-iters", 20, "k-means rounds at most (fewer once converged)")
	seed := fs.Uint64("seed", 1, "random seed for subsets and k-means")
	out := fs.String("o", "", "write the cache chosen for -budget here")
	md := fs.String("md", "", "append the Pareto table as markdown to this file")
	jsonOut := fs.String("json", "", "write every candidate as JSON here")
	fitItems := fs.Int("fit-items", 0, "how many of -from's first items are the fit split's (default: from FILE.json or the file's size)")
	testAll := fs.Bool("test-all", false, "score every candidate on the test sets too (slow; the choice still goes by validation)")
	ref := fs.String("ref", "", "JSON from `cache table` on the same test images, for the full cache's error (else the table omits it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" || *from == "" {
		return usagef("-data and -from are required")
	}
	target, err := parseBytes(*budget)
	if err != nil {
		return usagef("-budget: %v", err)
	}
	var bl []int64
	for _, s := range strings.Split(*budgets, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		b, err := parseBytes(s)
		if err != nil {
			return usagef("-budgets: %v", err)
		}
		bl = append(bl, b)
	}
	if !containsInt64(bl, target) {
		bl = append(bl, target)
	}
	sort.Slice(bl, func(a, b int) bool { return bl[a] < bl[b] })
	pdims, err := parseInts(*dims)
	if err != nil {
		return err
	}
	pwdims, err := parseInts(*wdims)
	if err != nil {
		return err
	}
	pa2dims, err := parseInts(*a2dims)
	if err != nil {
		return err
	}
	start := time.Now()
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	full, err := cache.ReadFile(*from)
	if err != nil {
		return err
	}
	if err := k.checkSpec(full); err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	whole := full.Spec()
	if whole.Proj != nil {
		return fmt.Errorf("%s: keys are already projected; cache fit starts from whole-tap keys", *from)
	}
	fitSet, err := k.openSet(*data, "fit")
	if err != nil {
		return err
	}
	valSet, err := k.openSet(*data, "val")
	if err != nil {
		return err
	}
	// `cache table` puts the fit split's items (and flips) first and says
	// how many in FILE.json.
	nFit := fitSet.Len()
	if *fitItems > 0 && *fitItems < full.Len() {
		nFit = *fitItems
	} else if p, err := readParams(paramsPath(*from)); err == nil && p.FitItems > 0 && p.FitItems < full.Len() {
		nFit = p.FitItems
	} else if full.Len() == 2*(fitSet.Len()+valSet.Len()) {
		nFit *= 2
	} else if full.Len() != fitSet.Len()+valSet.Len() {
		return fmt.Errorf("%s holds %d items; a cache from `cache table` on %s holds %d or %d (with flips)", *from, full.Len(), *data,
			fitSet.Len()+valSet.Len(), 2*(fitSet.Len()+valSet.Len()))
	}
	vidx := spread(valSet.Len(), *valLimit) // all when the limit is 0 or over the set
	val, err := k.collect(valSet, vidx, *queryFlip, whole, "fit: validation queries", logTo)
	if err != nil {
		return err
	}
	var tests []*queries
	var testNames []string
	for _, dir := range []string{*data, *testData} {
		if dir == "" {
			continue
		}
		set, err := k.openSet(dir, "test")
		if err != nil {
			return err
		}
		idx := spread(set.Len(), *testLimit) // all when the limit is 0 or over the set
		q, err := k.collect(set, idx, false, whole, "fit: test queries from "+dir, logTo)
		if err != nil {
			return err
		}
		tests, testNames = append(tests, q), append(testNames, dir)
	}

	forms, err := fitForms(full, nFit, whole, pdims, pwdims, pa2dims, *sample, val, tests)
	if err != nil {
		return err
	}
	var all []fitVariant
	best := map[int64]fitVariant{}
	var bestCache *cache.Cache
	for _, b := range bl {
		found := false
		for _, f := range forms {
			for _, v := range fitCandidates(f, full, nFit, b) {
				c, err := v.build(f, full.Classes(), false, *iters, *seed, full, nFit)
				if err != nil {
					return err
				}
				res, err := cache.Tune(f.val.keys, f.val.labels, f.val.probs, c, cache.TuneOptions{NoRefine: true})
				if err != nil {
					return err
				}
				v.Theta, v.Lambda, v.ValErr = res.Theta, res.Lambda, 1-res.Acc
				v.COTheta, v.ValCOErr = res.CacheOnlyTheta, 1-res.CacheOnlyAcc
				fmt.Fprintf(logTo, "fit: budget %s: %v: val error %.2f%% (theta %.4g lambda %.4g)\n", formatBytes(b), v, 100*v.ValErr, v.Theta, v.Lambda)
				if *testAll {
					// For the report only: the choice stays with validation.
					if _, err := v.final(f, full, nFit, *iters, *seed); err != nil {
						return err
					}
					fmt.Fprintf(logTo, "fit: budget %s: %v: test error %v\n", formatBytes(b), v, v.TestErr)
				}
				all = append(all, v)
				if cur, ok := best[b]; !found || (ok && v.ValErr < cur.ValErr) {
					best[b], found = v, true
				}
			}
		}
		if !found {
			fmt.Fprintf(logTo, "fit: nothing fits %s\n", formatBytes(b))
			continue
		}
		v := best[b]
		f := formByName(forms, v.Form)
		c, err := v.final(f, full, nFit, *iters, *seed)
		if err != nil {
			return err
		}
		best[b] = v
		fmt.Fprintf(logTo, "fit: budget %s: chose %v, %s, val error %.2f%%, test error %v\n", formatBytes(b), v, formatBytes(int64(v.Bytes)), 100*v.ValErr, v.TestErr)
		if b == target {
			bestCache = c
			if *out != "" {
				if err := c.WriteFile(*out); err != nil {
					return err
				}
				p := tuneParams{Model: nf.model, Arch: k.net.String(), Precision: k.precision, Spec: c.Spec().String(), Data: *data,
					CacheSplit: "train", ValSplit: "val", Flip: true, Items: c.Len(), Queries: f.val.Len(),
					Theta: v.Theta, Lambda: v.Lambda, CacheOnlyTheta: v.COTheta, ValAcc: 1 - v.ValErr, ValCacheOnly: 1 - v.ValCOErr}
				if err := writeJSON(paramsPath(*out), p); err != nil {
					return err
				}
			}
		}
	}
	var refErr []float64
	if *ref != "" {
		if refErr, err = readRef(*ref, testNames); err != nil {
			return err
		}
	}
	var base []float64
	for _, q := range tests {
		base = append(base, 1-mixAccuracy(q, nil, 0))
	}
	text := fitMarkdown(nf.model, k, bl, best, testNames, base, refErr, full, target, time.Since(start))
	if *md != "" {
		if err := appendFile(*md, text); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, map[string]any{"candidates": all, "chosen": best, "test_sets": testNames, "error_baseline": base}); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(stdout, text); err != nil {
		return err
	}
	if bestCache != nil && *out != "" {
		fmt.Fprintf(stdout, "wrote %s: %d items of %d values, %s on the board\n", *out, bestCache.Len(), bestCache.Dim(), formatBytes(int64(bestCache.Bytes())))
	}
	return nil
}

func containsInt64(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func formByName(forms []*fitForm, name string) *fitForm {
	for _, f := range forms {
		if f.name == name {
			return f
		}
	}
	return nil
}

// readRef reads the full cache's test errors from `cache table`'s JSON.
func readRef(path string, names []string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t tableResult
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]float64, len(names))
	for i, n := range names {
		out[i] = -1
		for _, r := range t.Rows {
			if r.Data == n {
				out[i] = r.Cache
			}
		}
	}
	return out, nil
}

// segments splits a whole-tap key into its taps' parts.
func segments(spec cache.Spec, key []float32) [][]float32 {
	segs := make([][]float32, len(spec.Taps))
	o := 0
	for i, t := range spec.Taps {
		n := t.C * t.H * t.W
		segs[i] = key[o : o+n]
		o += n
	}
	return segs
}

// reduce remakes whole-tap keys (rows of whole.Dim()) with spec.
func reduce(spec, whole cache.Spec, keys []float32) ([]float32, error) {
	n := len(keys) / whole.Dim()
	d := spec.Dim()
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		if err := spec.Key(out[i*d:(i+1)*d], segments(whole, keys[i*whole.Dim():(i+1)*whole.Dim()])); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func reduceQueries(spec, whole cache.Spec, q *queries) (*queries, error) {
	keys, err := reduce(spec, whole, q.keys)
	if err != nil {
		return nil, err
	}
	return &queries{dim: spec.Dim(), classes: q.classes, keys: keys, labels: q.labels, probs: q.probs}, nil
}

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
	wk := make([]float32, 0, whole.Dim())
	avgAll := make([]float32, full.Len()*pooled.Dim())
	for i := 0; i < full.Len(); i++ {
		wk = full.Key(wk, i)
		if err := pooled.Key(avgAll[i*pooled.Dim():(i+1)*pooled.Dim()], segments(whole, wk)); err != nil {
			return nil, err
		}
	}
	specs := []cache.Spec{whole, pooled}
	ps, err := pcaSpecs(pooled, avgAll[:nFit*pooled.Dim()], dims, "pooled")
	if err != nil {
		return nil, err
	}
	specs = append(specs, ps...)
	var x []float32 // the PCA sample of whole keys
	if len(wdims) > 0 || len(a2dims) > 0 {
		for _, i := range spread(nFit, min(nSample, nFit)) {
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
		xa, err := reduce(a2, whole, x)
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
		if f.val, err = reduceQueries(s, whole, val); err != nil {
			return nil, err
		}
		for _, q := range tests {
			tq, err := reduceQueries(s, whole, q)
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
				if f.full, err = reduceCache(s, whole, full); err != nil {
					return nil, err
				}
			case s.Proj == nil:
				f.full = avgAll
			default:
				pooledOnly := cache.Spec{Taps: []cache.TapSpec{{Name: "pooled", C: pooled.Dim(), H: 1, W: 1}}, Proj: s.Proj}
				if f.full, err = reduce(pooledOnly, noProj(pooledOnly), avgAll); err != nil {
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

// fitCandidates lists the entry reductions of form f that fit budget b:
// as many items as the bytes allow, as a class-balanced random subset or as
// per-class k-means prototypes (when clustering leaves at least two
// members per prototype), or every item when all fit.
func fitCandidates(f *fitForm, full *cache.Cache, nFit int, b int64) []fitVariant {
	empty, err := cache.New(f.spec, full.Classes())
	if err != nil {
		return nil
	}
	per := int64(2*f.spec.Dim() + 2) // fp16 key and uint16 label
	n := (b - int64(empty.Bytes())) / per
	if n < int64(full.Classes()) {
		return nil
	}
	v := fitVariant{Form: f.name, Dim: f.spec.Dim(), Budget: b}
	if n >= int64(full.Len()) {
		v.Entries, v.Items = "all", full.Len()
		return []fitVariant{v}
	}
	v.Entries, v.Items = "subset", int(n)
	out := []fitVariant{v}
	if f.name != "whole" && 2*int(n) <= nFit {
		v.Entries = "kmeans"
		out = append(out, v)
		// Weighted prototypes: each counts as its cluster's members, at a
		// uint16 more per item.
		if nw := int((b - int64(empty.Bytes())) / (per + 2)); nw >= full.Classes() && 2*nw <= nFit {
			v.Entries, v.Items = "wkmeans", nw
			out = append(out, v)
		}
	}
	return out
}

// build makes the variant's cache from the tuning items (the fit split's)
// or, final, from every item.
func (v fitVariant) build(f *fitForm, classes int, final bool, iters int, seed uint64, full *cache.Cache, nFit int) (*cache.Cache, error) {
	pool := nFit
	if final {
		pool = full.Len()
	}
	labels := make([]int, pool)
	for i := range labels {
		labels[i] = full.Label(i)
	}
	n := min(v.Items, pool)
	if f.name == "whole" {
		if v.clustered() {
			return nil, fmt.Errorf("fit: k-means of whole-tap keys is not supported")
		}
		idx := cache.BalancedIndices(labels, classes, n, seed)
		return full.Subset(idx)
	}
	d := f.spec.Dim()
	c, err := cache.New(f.spec, classes)
	if err != nil {
		return nil, err
	}
	c.Grow(n)
	idx := cache.BalancedIndices(labels, classes, n, seed)
	if !v.clustered() {
		for _, i := range idx {
			if err := c.Add(f.full[i*d:(i+1)*d], labels[i]); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	// k-means: as many prototypes per class as the balanced subset holds.
	quota := make([]int, classes)
	for _, i := range idx {
		quota[labels[i]]++
	}
	members := make([][]float32, classes)
	for i, y := range labels {
		members[y] = append(members[y], f.full[i*d:(i+1)*d]...)
	}
	for y := 0; y < classes; y++ {
		if quota[y] == 0 {
			continue
		}
		cent, counts, err := cache.KMeans(members[y], d, quota[y], iters, seed+uint64(y))
		if err != nil {
			return nil, err
		}
		for j := 0; j < quota[y]; j++ {
			w := 1
			if v.Entries == "wkmeans" {
				if counts[j] == 0 {
					continue // an empty cluster stands for nothing
				}
				w = min(counts[j], cache.MaxWeight)
			}
			if err := c.AddWeighted(cent[j*d:(j+1)*d], y, w); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// clustered reports whether the variant's items are k-means prototypes
// (weighted or not) rather than items of the full cache.
func (v fitVariant) clustered() bool { return v.Entries == "kmeans" || v.Entries == "wkmeans" }

// final rebuilds the variant from every item of full, sets its tuned
// parameters and scores it on f's test sets, recording bytes, items and test
// errors in v.
func (v *fitVariant) final(f *fitForm, full *cache.Cache, nFit, iters int, seed uint64) (*cache.Cache, error) {
	c, err := v.build(f, full.Classes(), true, iters, seed, full, nFit)
	if err != nil {
		return nil, err
	}
	if int64(c.Bytes()) > v.Budget {
		return nil, fmt.Errorf("fit: internal error: %v takes %d bytes, budget %d", v, c.Bytes(), v.Budget)
	}
	v.Bytes, v.Items = c.Bytes(), c.Len() // weighted k-means drops empty clusters
	c.Theta, c.Lambda, c.CacheOnlyTheta = float32(v.Theta), float32(v.Lambda), float32(v.COTheta)
	v.TestErr, v.TestCOErr = nil, nil
	for _, q := range f.test {
		pc, err := cacheProbs(q, c, []float64{v.Theta, v.COTheta})
		if err != nil {
			return nil, err
		}
		v.TestErr = append(v.TestErr, 1-mixAccuracy(q, pc[0], v.Lambda))
		v.TestCOErr = append(v.TestCOErr, 1-mixAccuracy(q, pc[1], 1))
	}
	return c, nil
}

// fitMarkdown is the Pareto table: for each budget the chosen variant, its
// bytes, and validation and test errors.
func fitMarkdown(modelPath string, k *keyNet, budgets []int64, best map[int64]fitVariant, tests []string, base, ref []float64, full *cache.Cache, target int64, el time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Fitting a board's memory: %s (%v)\n\n", modelPath, k)
	fmt.Fprintf(&b, "From the full cache (%s, %d items, %s on the board). Network alone, test error:", full.Spec(), full.Len(), formatBytes(int64(full.Bytes())))
	for i, t := range tests {
		fmt.Fprintf(&b, " %s %s%%", t, pct(base[i]))
		if ref != nil && ref[i] >= 0 {
			fmt.Fprintf(&b, " (full cache %s%%)", pct(ref[i]))
		}
		b.WriteString(";")
	}
	b.WriteString("\n\n| budget | chosen keys | entries | items | bytes | theta | lambda | val error |")
	for _, t := range tests {
		fmt.Fprintf(&b, " test error %s |", t)
	}
	if ref != nil {
		b.WriteString(" share of the full cache's gain |")
	}
	b.WriteString("\n| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for range tests {
		b.WriteString(" ---: |")
	}
	if ref != nil {
		b.WriteString(" ---: |")
	}
	b.WriteString("\n")
	for _, bud := range budgets {
		v, ok := best[bud]
		mark := ""
		if bud == target {
			mark = " (-budget)"
		}
		if !ok {
			fmt.Fprintf(&b, "| %s%s | nothing fits |\n", formatBytes(bud), mark)
			continue
		}
		fmt.Fprintf(&b, "| %s%s | %s (%d) | %s | %d | %d | %.4g | %.4g | %s |", formatBytes(bud), mark, v.Form, v.Dim, v.Entries, v.Items, v.Bytes, v.Theta, v.Lambda, pct(v.ValErr))
		for i := range tests {
			fmt.Fprintf(&b, " %s |", pct(v.TestErr[i]))
		}
		if ref != nil {
			if ref[0] >= 0 && base[0] > ref[0] {
				fmt.Fprintf(&b, " %.0f%% |", 100*(base[0]-v.TestErr[0])/(base[0]-ref[0]))
			} else {
				b.WriteString(" - |")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n(%.0f s)\n", el.Seconds())
	return b.String()
}

// reduceCache remakes every key of c with spec (from its per-tap segments),
// on all cores.
func reduceCache(spec, whole cache.Spec, c *cache.Cache) ([]float32, error) {
	d, n := spec.Dim(), c.Len()
	out := make([]float32, n*d)
	workers := defaultThreads()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var key []float32
			for i := w; i < n; i += workers {
				key = c.Key(key, i)
				if err := spec.Key(out[i*d:(i+1)*d], segments(whole, key)); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
