package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("cache depth", "the paper's layer-depth study: a cache keyed by one tap at a time", runCacheDepth)
}

type depthRow struct {
	Tap       string  `json:"tap"`
	Dim       int     `json:"dim"`
	Cache     float64 `json:"error_cache"`
	CacheOnly float64 `json:"error_cache_only"`
}

// parseTapList reads "name[:pool],..." ("stage3" lists every tap of the
// last stage; "stage2" every tap of the middle one), each tap becoming a
// one-tap key spec.
func parseTapList(k *keyNet, list, defPool string) ([]cache.Spec, error) {
	var names []string
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case f == "stage1" || f == "stage2" || f == "stage3":
			for _, t := range k.Float.Taps() {
				if strings.HasPrefix(t.Name, "layer"+f[5:]+".") {
					names = append(names, t.Name)
				}
			}
		default:
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return nil, usagef("-taps: no tap names")
	}
	var specs []cache.Spec
	for _, n := range names {
		pool := defPool
		if i := strings.LastIndexByte(n, ':'); i >= 0 {
			n, pool = n[:i], n[i+1:]
		}
		p, err := cache.ParsePool(pool)
		if err != nil {
			return nil, usagef("-taps %s: %v", n, err)
		}
		t, err := k.TapSpec(n, p)
		if err != nil {
			return nil, err
		}
		specs = append(specs, cache.Spec{Taps: []cache.TapSpec{t}})
	}
	return specs, nil
}

func runCacheDepth(args []string, stdout io.Writer) error {
	fs := newFlags("cache depth", "-model FILE -data DIR -taps LIST [-theta 80] [-lambda 0.5] [-limit N] [-md FILE] [-plot PNG]\n\n"+
		"The paper's layer-depth study: for each tap alone, a cache of the training images (+flips) keyed by that\n"+
		"tap, scored on the test split at fixed theta and lambda. All taps come from the same forward passes.")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "ImageFolder root with train/ and test/")
	taps := fs.String("taps", "stage3", `taps, each alone: names with optional ":avg"/":none", or stage1/stage2/stage3 for all of a stage`)
	pool := fs.String("pool", "none", "pooling for taps without their own")
	theta := fs.Float64("theta", 80, "theta (the paper's study: 80)")
	lambda := fs.Float64("lambda", 0.5, "lambda (the paper's study: 0.5)")
	flip := fs.Bool("flip", true, "training images and their flips in the cache")
	limit := fs.Int("limit", 0, "use only N training images spread over the classes (0: all)")
	testLimit := fs.Int("test-limit", 0, "use only N test images spread over the classes (0: all)")
	md := fs.String("md", "", "append the table as markdown to this file")
	jsonOut := fs.String("json", "", "write the figures as JSON here")
	plotOut := fs.String("plot", "", "draw error against tap as PNG")
	replot := fs.String("replot", "", "only redraw -plot from this -json output of an earlier run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *replot != "" {
		if *plotOut == "" {
			return usagef("-replot needs -plot")
		}
		return replotDepth(*replot, *plotOut)
	}
	if *data == "" {
		return usagef("-data is required")
	}
	if !(*theta >= 0) || !(*lambda >= 0 && *lambda <= 1) {
		return usagef("theta %v, lambda %v: want theta >= 0 and lambda in 0..1", *theta, *lambda)
	}
	start := time.Now()
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	specs, err := parseTapList(k, *taps, *pool)
	if err != nil {
		return err
	}
	train, err := openSet(*data, "train", k.Classes())
	if err != nil {
		return err
	}
	test, err := openSet(*data, "test", k.Classes())
	if err != nil {
		return err
	}
	// spread takes every image when its limit is 0 or over the set.
	tidx, qidx := keys.Spread(train.Len(), *limit), keys.Spread(test.Len(), *testLimit)
	caches := make([]*cache.Cache, len(specs))
	for i, s := range specs {
		if caches[i], err = cache.New(s, k.Float.Classes); err != nil {
			return err
		}
		caches[i].Grow(2 * len(tidx))
	}
	err = k.Pass(train, tidx, specs, passOpts("depth: caches", *flip), func(it keys.Item) error {
		for i, c := range caches {
			if err := c.Add(it.Keys[i], it.Label); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	qs := make([]*queries, len(specs))
	for i, s := range specs {
		qs[i] = keys.NewQueries(s, k.Classes(), len(qidx))
	}
	err = k.Pass(test, qidx, specs, passOpts("depth: test queries", false), func(it keys.Item) error {
		for i, q := range qs {
			q.Add(it.Keys[i], it.Label, it.Probs, it.Source, it.Flip)
		}
		return nil
	})
	if err != nil {
		return err
	}
	base, err := networkError(qs[0])
	if err != nil {
		return err
	}
	var rows []depthRow
	for i, s := range specs {
		e, err := cacheErrors(caches[i], qs[i], host.Mixture{Theta: *theta, Lambda: *lambda}, host.Mixture{Theta: *theta, Lambda: 1})
		if err != nil {
			return err
		}
		r := depthRow{Tap: s.Taps[0].Name + ":" + s.Taps[0].Pool.String(), Dim: s.Dim(), Cache: e[0], CacheOnly: e[1]}
		fmt.Fprintf(logTo, "depth: %s (%d values): error cache %.2f%%, CacheOnly %.2f%%\n", r.Tap, r.Dim, 100*r.Cache, 100*r.CacheOnly)
		rows = append(rows, r)
		caches[i], qs[i] = nil, nil
	}
	items := 0
	if len(rows) > 0 {
		items = len(tidx)
		if *flip {
			items *= 2
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Layer depth: %s (%v)\n\n", nf.model, k)
	fmt.Fprintf(&b, "One tap per cache, %d items (training images of %s%s), theta %.4g, lambda %.4g; test error (%%) on %d test images; network alone %.2f%%.\n\n",
		items, *data, map[bool]string{true: " + flips", false: ""}[*flip], *theta, *lambda, len(qidx), 100*base)
	b.WriteString("| tap | key values | Cache (lambda) | CacheOnly |\n| --- | ---: | ---: | ---: |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", r.Tap, r.Dim, pct(r.Cache), pct(r.CacheOnly))
	}
	fmt.Fprintf(&b, "\n(%.0f s)\n", time.Since(start).Seconds())
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, map[string]any{"model": nf.model, "arch": k.Float.String(), "items": items, "theta": *theta, "lambda": *lambda,
			"test_images": len(qidx), "error_baseline": base, "taps": rows}); err != nil {
			return err
		}
	}
	if *md != "" {
		if err := appendFile(*md, b.String()); err != nil {
			return err
		}
	}
	if *plotOut != "" {
		if err := plotDepth(*plotOut, k.Float.String(), rows, base, *lambda); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// tapOrder sorts "layerS.B[.relu]:pool" names in forward order (a block's
// inner ReLU before its output), whole taps before pooled ones.
func tapOrder(name string) [4]int {
	var o [4]int
	n, pool, _ := strings.Cut(name, ":")
	if pool == "avg" {
		o[3] = 1
	}
	var s, b int
	if _, err := fmt.Sscanf(n, "layer%d.%d", &s, &b); err == nil {
		o[0], o[1] = s, b
		if !strings.HasSuffix(n, ".relu") {
			o[2] = 1
		}
	}
	return o
}

// plotDepth draws test error against tap, taps in forward order.
func plotDepth(path, arch string, rows []depthRow, base, lambda float64) error {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b depthRow) int {
		oa, ob := tapOrder(a.Tap), tapOrder(b.Tap)
		for i := range oa {
			if oa[i] != ob[i] {
				return oa[i] - ob[i]
			}
		}
		return 0
	})
	var a, c, n plotter.XYs
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(r.Tap, "layer"), ":none")
		a = append(a, plotter.XY{X: float64(i), Y: 100 * r.Cache})
		c = append(c, plotter.XY{X: float64(i), Y: 100 * r.CacheOnly})
		n = append(n, plotter.XY{X: float64(i), Y: 100 * base})
	}
	p := plot.New()
	p.Title.Text = arch + ": test error with a cache keyed by one tap"
	p.Y.Label.Text = "test error (%)"
	p.X.Label.Text = "tap (stage.block[.relu], :avg = pooled)"
	p.Add(plotter.NewGrid())
	if err := plotutil.AddLinePoints(p, fmt.Sprintf("cache (lambda %.2g)", lambda), a, "CacheOnly", c, "network alone", n); err != nil {
		return err
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = math.Pi / 3
	p.X.Tick.Label.XAlign = draw.XRight
	p.Legend.Top = true
	p.Legend.Left = true
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

func replotDepth(jsonPath, png string) error {
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		return err
	}
	var d struct {
		Arch   string     `json:"arch"`
		Model  string     `json:"model"`
		Lambda float64    `json:"lambda"`
		Base   float64    `json:"error_baseline"`
		Taps   []depthRow `json:"taps"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("%s: %w", jsonPath, err)
	}
	if len(d.Taps) == 0 {
		return fmt.Errorf("%s: no taps", jsonPath)
	}
	name := d.Arch
	if name == "" {
		name = d.Model
	}
	return plotDepth(png, name, d.Taps, d.Base, d.Lambda)
}
