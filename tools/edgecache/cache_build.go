package main

import (
	"fmt"
	"io"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("cache", "the cache memory: build, tune, table, size, depth, fit (edgecache cache -h)", runCacheHelp)
	register("cache build", "build a cache file from a model's taps on a data set", runCacheBuild)
}

const cacheHelp = `usage: edgecache cache SUBCOMMAND [flags] (edgecache cache SUBCOMMAND -h for its flags)

The cache of A. E. Orhan, "A Simple Cache Model for Image Recognition": keys from a network's
intermediate layers, p = (1 - lambda) p_net + lambda p_cache. The paper's flow is two commands:

  edgecache cache tune  -model M -data DIR -o params.json -heatmap grid.png
      cache of the 45,000 "fit" training images + flips, queried by the 5,000 "val" images + flips,
      theta x lambda grid and local search; never touches test images
  edgecache cache build -model M -data DIR -params params.json -o model.cache
      the real cache: all 50,000 training images + flips (100,000 items) with the tuned theta,
      lambda and CacheOnly theta in the file (model.cache.json records where they came from)
  edgecache eval -model M -data DIR -cache model.cache -json
      adds "top1_cache" and "top1_cache_only" to eval's figures

  edgecache cache table -model M -data DIR -test-data DIR2 -paper T,L,CT
      all of the above in one process (each image through the network once) plus the paper's
      theta/lambda and the cache-size curve (-sizes)
  edgecache cache size -model M -data DIR -from FULL.cache -sizes 10000,20000,50000
      the cache-size curve: class-balanced random subsets of a built cache
  edgecache cache depth -model M -data DIR -taps LIST
      the layer-depth study: one tap at a time, theta 80, lambda 0.5
  edgecache cache fit -model M -data DIR -from FULL.cache -budget 4MiB -o small.cache
      the best cache (validation accuracy) that fits a board's memory, and the Pareto table
`

func runCacheHelp(args []string, stdout io.Writer) error {
	fmt.Fprint(stdout, cacheHelp)
	if len(args) > 0 && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" && args[0] != "help" {
		return usagef("unknown cache subcommand %q", args[0])
	}
	return nil
}

func runCacheBuild(args []string, stdout io.Writer) error {
	fs := newFlags("cache build", "-model FILE -data DIR -o FILE [-split train] [-taps paper|LIST] [-pool none|avg] [-flip] [-params PARAMS.json] [-int8 | -quant F]")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "data set (ImageFolder root or CIFAR binary folder)")
	split := fs.String("split", "train", "which images become items: train (all), fit or val")
	taps := fs.String("taps", "paper", `key taps: "paper" (the paper's three last-stage layers) or a comma-separated list`)
	pool := fs.String("pool", "none", "per-tap pooling: none (flatten, the paper) or avg (global average)")
	flip := fs.Bool("flip", true, "also store each image's horizontal flip (the paper)")
	limit := fs.Int("limit", 0, "use only N images spread over the split (0: all)")
	params := fs.String("params", "", "theta, lambda and CacheOnly theta from `edgecache cache tune`")
	theta := fs.Float64("theta", 0, "theta to store (without -params)")
	lambda := fs.Float64("lambda", 0, "lambda to store (without -params)")
	out := fs.String("o", "", "output cache file (its parameters also go to FILE.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	if *split == "test" {
		return usagef("a cache of test images would score the test set on itself: use train, fit or val")
	}
	p := &tuneParams{Theta: *theta, Lambda: *lambda, CacheOnlyTheta: *theta}
	if *params != "" {
		var err error
		if p, err = readParams(*params); err != nil {
			return err
		}
	}
	if !(p.Theta >= 0) || !(p.Lambda >= 0 && p.Lambda <= 1) {
		return usagef("theta %v, lambda %v: want theta >= 0 and lambda in 0..1", p.Theta, p.Lambda)
	}
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	spec, err := parseTaps(k, *taps, *pool)
	if err != nil {
		return err
	}
	if p.Spec != "" && p.Spec != spec.String() {
		return fmt.Errorf("%s was tuned for keys %s, this cache makes %s", *params, p.Spec, spec)
	}
	set, err := openSet(*data, *split, k.Classes())
	if err != nil {
		return err
	}
	c, err := cache.New(spec, k.Float.Classes)
	if err != nil {
		return err
	}
	idx := keys.Spread(set.Len(), *limit) // all when the limit is 0 or over the set
	if err := k.Fill(c, set, idx, passOpts("cache build", *flip)); err != nil {
		return err
	}
	c.Theta, c.Lambda, c.CacheOnlyTheta = float32(p.Theta), float32(p.Lambda), float32(p.CacheOnlyTheta)
	if err := c.WriteFile(*out); err != nil {
		return err
	}
	p.Model, p.Arch, p.Precision, p.Spec, p.Items = nf.model, k.Float.String(), k.Precision(), spec.String(), c.Len()
	if err := writeJSON(paramsPath(*out), p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d items of %d values (%s), %.1f MiB on the board, theta %.4f lambda %.4f, CacheOnly theta %.4f\n",
		*out, c.Len(), c.Dim(), spec, float64(c.Bytes())/(1<<20), c.Theta, c.Lambda, c.CacheOnlyTheta)
	return nil
}
