package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

// tuneParams is what `cache tune` finds and `cache build -params` copies
// into a cache: the mixture's theta and lambda, and the CacheOnly theta
// (lambda 1). The cache file holds all three (version 2 on); the JSON
// written next to it (FILE.json) keeps them with the tuning's provenance.
type tuneParams struct {
	Model      string `json:"model"`
	Arch       string `json:"arch"`
	Precision  string `json:"precision"`
	Spec       string `json:"key_spec"`
	Data       string `json:"data"`
	CacheSplit string `json:"cache_split"`
	ValSplit   string `json:"val_split"`
	Flip       bool   `json:"flip"`
	Items      int    `json:"items"`
	// FitItems: in a cache from `cache table`, the first FitItems items are
	// the tuning cache's (the fit split's), the rest the validation split's.
	FitItems       int     `json:"fit_items,omitempty"`
	Queries        int     `json:"queries"`
	Theta          float64 `json:"theta"`
	Lambda         float64 `json:"lambda"`
	CacheOnlyTheta float64 `json:"cache_only_theta"`
	ValAcc         float64 `json:"val_top1_cache"`
	ValCacheOnly   float64 `json:"val_top1_cache_only"`
	ValBaseline    float64 `json:"val_top1"`
	Seconds        float64 `json:"tune_seconds"`
}

func readParams(path string) (*tuneParams, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p tuneParams
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !(p.Theta >= 0 && p.Theta < 1e6) || !(p.Lambda >= 0 && p.Lambda <= 1) || !(p.CacheOnlyTheta >= 0 && p.CacheOnlyTheta < 1e6) {
		return nil, fmt.Errorf("%s: theta %v, lambda %v, CacheOnly theta %v out of range", path, p.Theta, p.Lambda, p.CacheOnlyTheta)
	}
	return &p, nil
}

// paramsPath is the JSON kept next to a cache file.
func paramsPath(cachePath string) string { return cachePath + ".json" }

func init() {
	register("cache tune", "tune the cache's theta and lambda on validation images", runCacheTune)
}

func runCacheTune(args []string, stdout io.Writer) error {
	fs := newFlags("cache tune", "-model FILE -data DIR -o PARAMS.json [-cache-split fit] [-val-split val] [-flip] [-heatmap PNG]\n\n"+
		"Builds a cache from -cache-split (default: the 45,000 training images outside the validation split), queries it\n"+
		"with -val-split (the other 5,000), computes every query x item similarity once, sweeps the paper's grid\n"+
		"(theta linspace(10,90,33) x lambda linspace(0.1,0.9,33), CacheOnly: theta alone), refines locally, and writes\n"+
		"theta, lambda and the CacheOnly theta to -o as JSON. Then build the real cache on all training images with\n"+
		"them: edgecache cache build -model FILE -data DIR -flip -params PARAMS.json -o FILE.cache.\n"+
		"Never tune on test images: the test split is refused.")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "data set with training images (ImageFolder root or CIFAR binary folder)")
	cacheSplit := fs.String("cache-split", "fit", "split the tuning cache is built from")
	valSplit := fs.String("val-split", "val", "split that queries it")
	taps := fs.String("taps", "paper", `key taps: "paper" (the paper's three last-stage layers) or a comma-separated list (edgecache taps lists them)`)
	pool := fs.String("pool", "none", "per-tap pooling: none (flatten, the paper) or avg (global average)")
	flip := fs.Bool("flip", true, "add each image's horizontal flip to the cache (the paper)")
	queryFlip := fs.Bool("query-flip", true, "add each validation image's flip to the queries (the paper)")
	limit := fs.Int("limit", 0, "use only N cache images and N/9 validation images, spread over the classes (0: all; for quick checks)")
	valLimit := fs.Int("val-limit", 0, "query with only N validation images, spread over the classes (0: all)")
	out := fs.String("o", "", "output: tuned parameters as JSON")
	heatmap := fs.String("heatmap", "", "also draw validation accuracy over the grid as PNG")
	noRefine := fs.Bool("no-refine", false, "skip the finer local search")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	if *cacheSplit == "test" || *valSplit == "test" {
		return usagef("never tune on test images: use the fit and val splits")
	}
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	spec, err := parseTaps(k, *taps, *pool)
	if err != nil {
		return err
	}
	t, err := tune(k, spec, tuneInput{data: *data, cacheSplit: *cacheSplit, valSplit: *valSplit, flip: *flip, queryFlip: *queryFlip, limit: *limit, valLimit: *valLimit, noRefine: *noRefine})
	if err != nil {
		return err
	}
	p := t.params
	p.Model = nf.model
	if err := writeJSON(*out, p); err != nil {
		return err
	}
	if *heatmap != "" && t.res.Grid != nil {
		g := accGrid{t.res.Thetas, t.res.Lambdas, t.res.Grid}
		title := fmt.Sprintf("%v: validation top-1, %d items", k.Float, p.Items)
		if err := writeHeatmap(*heatmap, title, g, t.res.Theta, t.res.Lambda); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "tuned on %d queries against %d items (%s) in %.0f s\n", p.Queries, p.Items, p.Spec, p.Seconds)
	fmt.Fprintf(stdout, "network alone  val top-1 %6.2f%%\n", 100*p.ValBaseline)
	fmt.Fprintf(stdout, "cache          val top-1 %6.2f%%  theta %.4f lambda %.4f\n", 100*p.ValAcc, p.Theta, p.Lambda)
	fmt.Fprintf(stdout, "CacheOnly      val top-1 %6.2f%%  theta %.4f\n", 100*p.ValCacheOnly, p.CacheOnlyTheta)
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

type tuneInput struct {
	data, cacheSplit, valSplit string
	flip                       bool
	queryFlip                  bool // flip the validation queries too
	limit                      int
	valLimit                   int // validation images used as queries (0: all)
	noRefine                   bool
}

// tuned is the outcome of tune: the tuning cache, every validation image's
// key (val, with flips if the cache has them, so that callers can extend
// the cache with them) and the result.
type tuned struct {
	c      *cache.Cache
	val    *queries
	res    *host.Result
	params tuneParams
}

// tune builds the tuning cache from in.cacheSplit, collects the validation
// queries and runs host.Tune.
func tune(k *keyNet, spec cache.Spec, in tuneInput) (*tuned, error) {
	fit, err := openSet(in.data, in.cacheSplit, k.Classes())
	if err != nil {
		return nil, err
	}
	val, err := openSet(in.data, in.valSplit, k.Classes())
	if err != nil {
		return nil, err
	}
	fidx, vidx := indices(fit.Len(), 0), indices(val.Len(), 0)
	if in.limit > 0 {
		fidx, vidx = keys.Spread(fit.Len(), in.limit), keys.Spread(val.Len(), max(1, in.limit/9))
	}
	c, err := cache.New(spec, k.Float.Classes)
	if err != nil {
		return nil, err
	}
	// Room for the validation items too: `cache table` adds them afterwards,
	// and growing a 2 GB cache would hold two copies at once.
	per := 1
	if in.flip {
		per = 2
	}
	c.Grow(per * (len(fidx) + len(vidx)))
	if err := k.Fill(c, fit, fidx, passOpts("tune: cache from "+in.cacheSplit, in.flip)); err != nil {
		return nil, err
	}
	// Every validation image (and its flip, as the cache holds them) is
	// kept for the full cache; the queries are all or some of them.
	all, err := k.Collect(val, vidx, spec, passOpts("tune: queries from "+in.valSplit, in.flip))
	if err != nil {
		return nil, err
	}
	pick := map[int]bool{}
	for _, i := range vidx {
		pick[i] = true
	}
	if in.valLimit > 0 && in.valLimit < len(vidx) {
		pick = map[int]bool{}
		for _, i := range keys.Spread(val.Len(), in.valLimit) {
			pick[i] = true
		}
	}
	q := keys.NewQueries(spec, all.Classes, all.Len())
	for i := 0; i < all.Len(); i++ {
		if pick[vidx[all.Sources[i]]] && (in.queryFlip || !all.Flips[i]) {
			q.Add(all.Key(i), all.Labels[i], all.Probs[i*all.Classes:(i+1)*all.Classes], all.Sources[i], all.Flips[i])
		}
	}
	start := time.Now()
	last := time.Now()
	res, err := host.Tune(q.Keys, q.Labels, q.Probs, c, host.TuneOptions{NoRefine: in.noRefine, Progress: func(done, total int) {
		if time.Since(last) > 30*time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(logTo, "tune: %d/%d query scans, %.0f s\n", done, total, time.Since(start).Seconds())
		}
	}})
	if err != nil {
		return nil, err
	}
	p := tuneParams{
		Arch: k.Float.String(), Precision: k.Precision(), Spec: spec.String(), Data: in.data,
		CacheSplit: in.cacheSplit, ValSplit: in.valSplit, Flip: in.flip, Items: c.Len(), Queries: q.Len(),
		Theta: res.Theta, Lambda: res.Lambda, CacheOnlyTheta: res.CacheOnlyTheta,
		ValAcc: res.Acc, ValCacheOnly: res.CacheOnlyAcc, ValBaseline: res.BaselineAcc,
		Seconds: time.Since(start).Seconds(),
	}
	return &tuned{c: c, val: all, res: res, params: p}, nil
}
