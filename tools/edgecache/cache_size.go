package main

import (
	"fmt"
	"io"
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
	k, c, err := openWithCache(&nf, *data, *from)
	if err != nil {
		return err
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
		t, err := readTable(*ref)
		if err != nil {
			return err
		}
		pts = append(pts, t.Sizes...)
	}
	curve, err := sizeCurve(c, q, sz, *seed, tunedMixtures(c), "size:")
	if err != nil {
		return err
	}
	pts = append(pts, curve...)
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].Items < pts[b].Items })
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Cache size: %s (%v)\n\n", nf.model, k)
	fmt.Fprintf(&b, "Class-balanced random subsets of %s (theta %.4g, lambda %.4g, CacheOnly theta %.4g); test error (%%) on %d test images of %s; network alone %.2f%%.\n\n",
		*from, c.Theta, c.Lambda, c.CacheOnlyTheta, q.Len(), *data, 100*base)
	sizeMarkdown(&b, pts)
	if *md != "" {
		if err := appendFile(*md, b.String()); err != nil {
			return err
		}
	}
	if *plotOut != "" && len(pts) > 0 {
		var net plotter.XYs // the network alone, marked at every size
		for _, p := range pts {
			net = append(net, plotter.XY{X: float64(p.Items), Y: 100 * base})
		}
		title := fmt.Sprintf("%v: test error vs cache size", k.Float)
		if err := plotSizes(*plotOut, title, pts, net); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// sizePoint is one point of the size curve: a subset's items and its test
// errors.
type sizePoint struct {
	Items     int     `json:"items"`
	Cache     float64 `json:"error_cache"`
	CacheOnly float64 `json:"error_cache_only"`
}

// openWithCache loads the network of nf and the cache file at path, which
// must hold that network's keys.
func openWithCache(nf *netFlags, data, path string) (*keyNet, *cache.Cache, error) {
	k, err := nf.open(data, logTo)
	if err != nil {
		return nil, nil, err
	}
	c, err := cache.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if err := k.Fits(c); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, c, nil
}

// sizeCurve scores a class-balanced random subset of c of each size on q
// with mixes[0] (the mixture) and mixes[1] (CacheOnly); tag starts each
// point's log line.
func sizeCurve(c *cache.Cache, q *queries, sizes []int, seed uint64, mixes []host.Mixture, tag string) ([]sizePoint, error) {
	var pts []sizePoint
	for _, n := range sizes {
		sub, err := host.Subset(c, host.BalancedSubset(c, n, seed))
		if err != nil {
			return nil, err
		}
		e, err := cacheErrors(sub, q, mixes[:2]...)
		if err != nil {
			return nil, err
		}
		pt := sizePoint{Items: sub.Len(), Cache: e[0], CacheOnly: e[1]}
		fmt.Fprintf(logTo, "%s %d items: error cache %.2f%%, CacheOnly %.2f%%\n", tag, pt.Items, 100*pt.Cache, 100*pt.CacheOnly)
		pts = append(pts, pt)
	}
	return pts, nil
}

// sizeMarkdown writes the size curve as a markdown table.
func sizeMarkdown(b *strings.Builder, pts []sizePoint) {
	b.WriteString("| items | Cache3 | CacheOnly |\n| ---: | ---: | ---: |\n")
	for _, p := range pts {
		fmt.Fprintf(b, "| %d | %s | %s |\n", p.Items, pct(p.Cache), pct(p.CacheOnly))
	}
}

// plotSizes draws the size curve, mixture and CacheOnly, with the network
// alone's error as the line net.
func plotSizes(path, title string, pts []sizePoint, net plotter.XYs) error {
	var mix, only plotter.XYs
	for _, p := range pts {
		mix = append(mix, plotter.XY{X: float64(p.Items), Y: 100 * p.Cache})
		only = append(only, plotter.XY{X: float64(p.Items), Y: 100 * p.CacheOnly})
	}
	return writeLines(path, title, "cache items", "test error (%)", []series{{"cache (tuned)", mix}, {"CacheOnly", only}, {"network alone", net}})
}
