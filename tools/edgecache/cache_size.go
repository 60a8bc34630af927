package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("cache size", "the paper's cache-size curve from a built cache", runCacheSize)
}

func runCacheSize(args []string, stdout io.Writer) error {
	fs := newFlags("cache size", "-model FILE -data DIR -from FILE.cache -sizes LIST [-test-limit N] [-ref TABLE.json] [-md FILE] [-plot PNG]\n\n"+
		"Test error of class-balanced random subsets of a cache (at the file's theta and lambda, CacheOnly at the\n"+
		"theta the file holds), on -data's test split. -ref merges the points of an earlier `cache table -sizes` run\n"+
		"on the same test images.")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "data set whose test split is scored")
	from := fs.String("from", "", "the full cache")
	sizes := fs.String("sizes", "10000,20000,50000", "subset sizes (items)")
	testLimit := fs.Int("test-limit", 0, "score only N test images, spread over the classes (0: all)")
	seed := fs.Uint64("seed", 1, "random seed for the subsets")
	ref := fs.String("ref", "", "JSON of `cache table` whose size points (and baseline) to merge")
	md := fs.String("md", "", "append the table as markdown to this file")
	plotOut := fs.String("plot", "", "draw the curve as PNG")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" || *from == "" {
		return usagef("-data and -from are required")
	}
	sz, err := parseInts(*sizes)
	if err != nil {
		return err
	}
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	c, err := cache.ReadFile(*from)
	if err != nil {
		return err
	}
	if err := k.Fits(c); err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	set, err := openSet(*data, "test", k.Classes())
	if err != nil {
		return err
	}
	idx := keys.Spread(set.Len(), *testLimit) // all when the limit is 0 or over the set
	q, err := k.Collect(set, idx, c.Spec(), passOpts("size: test queries", false))
	if err != nil {
		return err
	}
	base, err := networkError(q)
	if err != nil {
		return err
	}
	var pts []sizePoint
	if *ref != "" {
		b, err := os.ReadFile(*ref)
		if err != nil {
			return err
		}
		var t tableResult
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("%s: %w", *ref, err)
		}
		pts = append(pts, t.Sizes...)
	}
	for _, n := range sz {
		sub, err := host.Subset(c, host.BalancedSubset(c, n, *seed))
		if err != nil {
			return err
		}
		e, err := cacheErrors(sub, q, tunedMixtures(c)...)
		if err != nil {
			return err
		}
		pt := sizePoint{Items: sub.Len(), Cache: e[0], CacheOnly: e[1]}
		fmt.Fprintf(logTo, "size: %d items: error cache %.2f%%, CacheOnly %.2f%%\n", pt.Items, 100*pt.Cache, 100*pt.CacheOnly)
		pts = append(pts, pt)
	}
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].Items < pts[b].Items })
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Cache size: %s (%v)\n\n", nf.model, k)
	fmt.Fprintf(&b, "Class-balanced random subsets of %s (theta %.4g, lambda %.4g, CacheOnly theta %.4g); test error (%%) on %d test images of %s; network alone %.2f%%.\n\n",
		*from, c.Theta, c.Lambda, c.CacheOnlyTheta, q.Len(), *data, 100*base)
	b.WriteString("| items | Cache3 | CacheOnly |\n| ---: | ---: | ---: |\n")
	for _, p := range pts {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", p.Items, pct(p.Cache), pct(p.CacheOnly))
	}
	if *md != "" {
		if err := appendFile(*md, b.String()); err != nil {
			return err
		}
	}
	if *plotOut != "" && len(pts) > 0 {
		var a, o, n plotter.XYs
		for _, p := range pts {
			a = append(a, plotter.XY{X: float64(p.Items), Y: 100 * p.Cache})
			o = append(o, plotter.XY{X: float64(p.Items), Y: 100 * p.CacheOnly})
			n = append(n, plotter.XY{X: float64(p.Items), Y: 100 * base})
		}
		title := fmt.Sprintf("%v: test error vs cache size", k.Float)
		if err := writeLines(*plotOut, title, "cache items", "test error (%)", []series{{"cache (tuned)", a}, {"CacheOnly", o}, {"network alone", n}}); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
