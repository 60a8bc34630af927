// Package boardfit makes a board's cache in one go with a fixed recipe: the
// pick of the memory-budget study (`edgecache cache fit`, docs/results,
// "Fitting a board's memory") without its search, so a deployment takes
// minutes instead of the study's half hour and needs no full cache of
// 12,288-value keys on disk.
//
// The recipe, for the paper's three taps: the whole taps (no pooling)
// projected by PCA to a few dimensions (fitted on a sample of the fit split's
// keys; the fp16 projection counts against the budget), then per-class
// spherical k-means prototypes of the fit split's keys (with flips), as many
// as the budget leaves room for (host.Candidates), then theta and lambda
// tuned on the validation split (with flips) with the paper's grid and the
// local search (host.Tune). The validation images are never in the cache,
// and the cache deployed is the one tuned.
package boardfit

import (
	"fmt"
	"io"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/cache/pca"
	"github.com/edgecache/edgecache/tools/keys"
)

// Recipe is a fixed fit.
type Recipe struct {
	// Budget is the board memory the cache may take (cache.Cache.Bytes).
	Budget int64
	// PCA is the dimension whole-tap keys are projected to.
	PCA int
	// PCASample is how many fit images (spread over the split, so over
	// every class) the projection is fitted to.
	PCASample int
	// Entries is host.EntriesKMeans or host.EntriesWKMeans (prototypes
	// weighted by cluster size), or host.EntriesSubset.
	Entries host.Entries
	// KMeansIters bounds the k-means rounds per class.
	KMeansIters int
	// Flip adds each image's mirror image, to the cache and to the
	// validation queries (the paper's protocol).
	Flip bool
	Seed uint64
}

// Default is the study's 4 MiB pick for the akamaster ResNet32: whole taps,
// PCA to 128, unweighted k-means prototypes (85% of the full cache's gain on
// the JPEG test set in the study's run of every candidate).
var Default = Recipe{Budget: 4 << 20, PCA: 128, PCASample: 2000, Entries: host.EntriesKMeans, KMeansIters: 20, Flip: true, Seed: 1}

// Report says what Fit made and how long each step took.
type Report struct {
	Spec           string        `json:"spec"`
	Items          int           `json:"items"`
	Bytes          int           `json:"bytes"`
	Budget         int64         `json:"budget"`
	Entries        host.Entries  `json:"entries"`
	FitImages      int           `json:"fit_images"`
	ValImages      int           `json:"val_images"`
	Tune           *host.Result  `json:"-"`
	Theta          float64       `json:"theta"`
	Lambda         float64       `json:"lambda"`
	CacheOnlyTheta float64       `json:"cache_only_theta"`
	ValNetwork     float64       `json:"val_top1_network"`
	ValCache       float64       `json:"val_top1_cache"`
	Steps          []StepSeconds `json:"steps"`
}

// StepSeconds is one step's wall time.
type StepSeconds struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
}

// Fit makes the cache: keys from n's paper taps (the int8 network's when
// n.Int8 is set: the board's own keys), prototypes from fit, theta and
// lambda tuned on val. Progress lines go to log.
func Fit(n *keys.Net, fit, val keys.Images, r Recipe, log io.Writer) (*cache.Cache, *Report, error) {
	if r.PCA < 1 || r.PCASample < r.PCA || r.Budget < 1 || r.KMeansIters < 1 {
		return nil, nil, fmt.Errorf("boardfit: recipe %+v: want PCA >= 1, a PCA sample of at least PCA images, a budget, k-means rounds", r)
	}
	switch r.Entries {
	case host.EntriesKMeans, host.EntriesWKMeans, host.EntriesSubset:
	default:
		return nil, nil, fmt.Errorf("boardfit: entries %q (kmeans, wkmeans or subset)", r.Entries)
	}
	if fit.Len() < r.PCASample || val.Len() == 0 {
		return nil, nil, fmt.Errorf("boardfit: %d fit and %d validation images (need at least %d and 1)", fit.Len(), val.Len(), r.PCASample)
	}
	rep := &Report{Budget: r.Budget, Entries: r.Entries, FitImages: fit.Len(), ValImages: val.Len()}
	t := time.Now()
	step := func(name string) {
		rep.Steps = append(rep.Steps, StepSeconds{name, time.Since(t).Seconds()})
		fmt.Fprintf(log, "boardfit: %s (%.0f s)\n", name, time.Since(t).Seconds())
		t = time.Now()
	}
	taps, err := n.Float.PaperTaps()
	if err != nil {
		return nil, nil, err
	}
	var whole cache.Spec
	for _, name := range taps {
		ts, err := n.TapSpec(name, cache.PoolNone)
		if err != nil {
			return nil, nil, err
		}
		whole.Taps = append(whole.Taps, ts)
	}

	// 1. The projection, from a sample of whole keys.
	sample, err := n.Collect(fit, keys.Spread(fit.Len(), r.PCASample), whole, keys.PassOptions{What: "PCA sample", Log: log})
	if err != nil {
		return nil, nil, err
	}
	spec := whole
	// The fit prints nothing while it runs (one Gram matrix and its
	// eigenvectors): say what the wait is for.
	fmt.Fprintf(log, "boardfit: fitting the PCA of %d whole keys (%d values) to %d ...\n", r.PCASample, whole.Dim(), r.PCA)
	if spec.Proj, err = pca.Fit(sample.Keys, whole.Dim(), r.PCA); err != nil {
		return nil, nil, err
	}
	sample = nil
	step(fmt.Sprintf("PCA of %d whole keys (%d values) to %d", r.PCASample, whole.Dim(), r.PCA))

	// 2. The fit split's keys in the projected form.
	all := keys.Spread(fit.Len(), 0)
	items, err := n.Collect(fit, all, spec, keys.PassOptions{Flip: r.Flip, What: "fit keys", Log: log})
	if err != nil {
		return nil, nil, err
	}
	step(fmt.Sprintf("keys of %d fit items", items.Len()))

	// 3. As many prototypes as the budget holds.
	classes := n.Classes()
	var cand *host.Candidate
	for _, c := range host.Candidates(spec, classes, items.Len(), items.Len(), r.Budget, r.Entries.Clustered()) {
		if c.Entries == r.Entries || c.Entries == host.EntriesAll {
			cand = &c
			break
		}
	}
	if cand == nil {
		return nil, nil, fmt.Errorf("boardfit: no %s cache of %v fits %d bytes", r.Entries, spec, r.Budget)
	}
	pool, err := host.NewKeyPool(spec, classes, items.Keys, items.Labels)
	if err != nil {
		return nil, nil, err
	}
	c, err := pool.Build(*cand, r.KMeansIters, r.Seed)
	if err != nil {
		return nil, nil, err
	}
	items = nil
	step(fmt.Sprintf("%d %s entries", c.Len(), cand.Entries))

	// 4. Theta and lambda on the validation split.
	q, err := n.Collect(val, keys.Spread(val.Len(), 0), spec, keys.PassOptions{Flip: r.Flip, What: "validation queries", Log: log})
	if err != nil {
		return nil, nil, err
	}
	res, err := host.Tune(q.Keys, q.Labels, q.Probs, c, host.TuneOptions{})
	if err != nil {
		return nil, nil, err
	}
	c.Theta, c.Lambda, c.CacheOnlyTheta = float32(res.Theta), float32(res.Lambda), float32(res.CacheOnlyTheta)
	step(fmt.Sprintf("tuned on %d validation queries: theta %.4g, lambda %.4g", q.Len(), res.Theta, res.Lambda))

	rep.Spec, rep.Items, rep.Bytes, rep.Tune = spec.String(), c.Len(), c.Bytes(), res
	rep.Theta, rep.Lambda, rep.CacheOnlyTheta = res.Theta, res.Lambda, res.CacheOnlyTheta
	rep.ValNetwork, rep.ValCache = res.BaselineAcc, res.Acc
	if int64(c.Bytes()) > r.Budget {
		return nil, nil, fmt.Errorf("boardfit: the cache takes %d bytes, over the budget of %d", c.Bytes(), r.Budget)
	}
	return c, rep, nil
}
