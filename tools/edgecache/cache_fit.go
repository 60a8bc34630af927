package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("cache fit", "the best cache that fits a board's memory budget (key and entry reductions)", runCacheFit)
}

// fitVariant is one candidate: a key form and an entry reduction.
type fitVariant struct {
	Form             string       `json:"keys"`
	Dim              int          `json:"dim"`
	Entries          host.Entries `json:"entries"` // all, subset, kmeans or wkmeans (prototypes weighted by cluster size)
	Items            int          `json:"items"`   // in the final (full training set) cache
	Bytes            int          `json:"bytes"`
	Budget           int64        `json:"budget"`
	Theta            float64      `json:"theta"`
	Lambda           float64      `json:"lambda"`
	ValErr           float64      `json:"val_error"`
	TestErr          []float64    `json:"test_error"`
	TestCacheOnlyErr []float64    `json:"test_error_cache_only"`
	CacheOnlyTheta   float64      `json:"cache_only_theta"`
	ValCacheOnlyErr  float64      `json:"val_error_cache_only"`
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
	entries := fs.String("entries", "all,subset,kmeans,wkmeans", "entry reductions to try (all items, class-balanced subset, k-means prototypes, weighted prototypes)")
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
	tryEntries, err := parseEntries(*entries)
	if err != nil {
		return err
	}
	start := time.Now()
	k, full, err := openWithCache(&nf, *data, *from)
	if err != nil {
		return err
	}
	whole := full.Spec()
	if whole.Proj != nil {
		return fmt.Errorf("%s: keys are already projected; cache fit starts from whole-tap keys", *from)
	}
	fitSet, err := openSet(*data, "fit", k.Classes())
	if err != nil {
		return err
	}
	valSet, err := openSet(*data, "val", k.Classes())
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
	vidx := keys.Spread(valSet.Len(), *valLimit) // all when the limit is 0 or over the set
	val, err := k.Collect(valSet, vidx, whole, passOpts("fit: validation queries", *queryFlip))
	if err != nil {
		return err
	}
	var tests []*queries
	var testNames []string
	err = eachTestSet(k, []string{*data, *testData}, whole, *testLimit, "fit", func(dir string, q *queries) error {
		tests, testNames = append(tests, q), append(testNames, dir)
		return nil
	})
	if err != nil {
		return err
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
				if !tryEntries[v.Entries] {
					continue
				}
				res, err := f.Try(full, nFit, v.candidate(), &f.val.Queries, *iters, *seed)
				if err != nil {
					return err
				}
				v.Theta, v.Lambda, v.ValErr = res.Theta, res.Lambda, 1-res.Acc
				v.CacheOnlyTheta, v.ValCacheOnlyErr = res.CacheOnlyTheta, 1-res.CacheOnlyAcc
				fmt.Fprintf(logTo, "fit: budget %s: %v: val error %.2f%% (theta %.4g lambda %.4g)\n", formatBytes(b), v, 100*v.ValErr, v.Theta, v.Lambda)
				if *testAll {
					// For the report only: the choice stays with validation.
					if _, err := v.final(f, full, *iters, *seed); err != nil {
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
		c, err := v.final(f, full, *iters, *seed)
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
				p := tuneParams{Model: nf.model, Arch: k.Float.String(), Precision: k.Precision(), Spec: c.Spec().String(), Data: *data,
					CacheSplit: "train", ValSplit: "val", Flip: true, Items: c.Len(), Queries: f.val.Len(),
					Theta: v.Theta, Lambda: v.Lambda, CacheOnlyTheta: v.CacheOnlyTheta, ValAcc: 1 - v.ValErr, ValCacheOnly: 1 - v.ValCacheOnlyErr}
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
		e, err := networkError(q)
		if err != nil {
			return err
		}
		base = append(base, e)
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
		if f.Name == name {
			return f
		}
	}
	return nil
}

// parseEntries reads -entries: a comma-separated list of entry reductions.
func parseEntries(list string) (map[host.Entries]bool, error) {
	out := map[host.Entries]bool{}
	for _, f := range strings.Split(list, ",") {
		switch e := host.Entries(strings.TrimSpace(f)); e {
		case "":
		case host.EntriesAll, host.EntriesSubset, host.EntriesKMeans, host.EntriesWKMeans:
			out[e] = true
		default:
			return nil, usagef("-entries: %q is not all, subset, kmeans or wkmeans", f)
		}
	}
	if len(out) == 0 {
		return nil, usagef("-entries: no entry reductions")
	}
	return out, nil
}

// fitCandidates lists the entry reductions of form f that fit budget b
// (host.Form.Candidates).
func fitCandidates(f *fitForm, full *cache.Cache, nFit int, b int64) []fitVariant {
	var out []fitVariant
	for _, c := range f.Candidates(full.Classes(), full.Len(), nFit, b) {
		out = append(out, fitVariant{Form: f.Name, Dim: f.Spec.Dim(), Budget: b, Entries: c.Entries, Items: c.Items})
	}
	return out
}

func (v fitVariant) candidate() host.Candidate {
	return host.Candidate{Entries: v.Entries, Items: v.Items}
}

// build makes the variant's cache from the tuning items (the fit split's)
// or, final, from every item, within its budget (host.Form.Final).
func (v fitVariant) build(f *fitForm, final bool, iters int, seed uint64, full *cache.Cache, nFit int) (*cache.Cache, error) {
	if final {
		return f.Final(full, v.candidate(), v.Budget, iters, seed)
	}
	p, err := f.Pool(full, nFit)
	if err != nil {
		return nil, err
	}
	return p.Build(v.candidate(), iters, seed)
}

// final rebuilds the variant from every item of full, sets its tuned
// parameters and scores it on f's test sets (host scoring, item weights
// counted), recording bytes, items and test errors in v.
func (v *fitVariant) final(f *fitForm, full *cache.Cache, iters int, seed uint64) (*cache.Cache, error) {
	c, err := f.Final(full, v.candidate(), v.Budget, iters, seed)
	if err != nil {
		return nil, err
	}
	v.Bytes, v.Items = c.Bytes(), c.Len() // weighted k-means drops empty clusters
	c.Theta, c.Lambda, c.CacheOnlyTheta = float32(v.Theta), float32(v.Lambda), float32(v.CacheOnlyTheta)
	v.TestErr, v.TestCacheOnlyErr = nil, nil
	for _, q := range f.test {
		e, err := cacheErrors(c, q, host.Mixture{Theta: v.Theta, Lambda: v.Lambda}, host.Mixture{Theta: v.CacheOnlyTheta, Lambda: 1})
		if err != nil {
			return nil, err
		}
		v.TestErr = append(v.TestErr, e[0])
		v.TestCacheOnlyErr = append(v.TestCacheOnlyErr, e[1])
	}
	return c, nil
}
