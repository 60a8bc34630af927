package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/edgecache/edgecache/cache/host"
)

func init() {
	register("cache table", "reproduce the paper's table: tune, build the full cache, test error of baseline, cache, CacheOnly", runCacheTable)
}

// tableRow is one test set's errors.
type tableRow struct {
	Data           string  `json:"data"`
	Images         int     `json:"images"`
	Baseline       float64 `json:"error_baseline"`
	Cache          float64 `json:"error_cache"`
	CacheOnly      float64 `json:"error_cache_only"`
	PaperCache     float64 `json:"error_cache_paper_params"`
	PaperCacheOnly float64 `json:"error_cache_only_paper_params"`
}

type tableResult struct {
	Params              tuneParams  `json:"tuned"`
	PaperTheta          float64     `json:"paper_theta"`
	PaperLambda         float64     `json:"paper_lambda"`
	PaperCacheOnlyTheta float64     `json:"paper_cache_only_theta"`
	Items               int         `json:"items"`
	Rows                []tableRow  `json:"test"`
	Sizes               []sizePoint `json:"size_curve,omitempty"`
	SizeData            string      `json:"size_curve_data,omitempty"`
	Seconds             float64     `json:"seconds"`
	// The tuning grid's validation accuracies: Grid[t][l] at Thetas[t], Lambdas[l].
	Thetas    []float64   `json:"grid_thetas,omitempty"`
	Lambdas   []float64   `json:"grid_lambdas,omitempty"`
	Grid      [][]float64 `json:"grid_val_top1,omitempty"`
	CacheOnly []float64   `json:"grid_val_top1_cache_only,omitempty"`
}

func runCacheTable(args []string, stdout io.Writer) error {
	fs := newFlags("cache table", "-model FILE -data DIR [-test-data DIR2] [-paper THETA,LAMBDA,CACHE_ONLY_THETA] [-sizes LIST] [-o-cache FILE] [-md FILE] [-json FILE]\n\n"+
		"The paper's experiment in one process, each image through the network once: a cache of -data's fit split\n"+
		"(+flips) tuned by its val split (+flips) as `cache tune` does, then the val keys are added (the full training\n"+
		"set + flips, as `cache build` makes it) and each test set is scored with the network alone (lambda 0), the tuned\n"+
		"mixture, CacheOnly (lambda 1, its own tuned theta), and the paper's theta and lambda if -paper is given.\n"+
		"-sizes adds the cache-size curve on -data's test split: class-balanced random subsets of the full cache.")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "ImageFolder root with train/ and test/ (the cache, tuning and the first test set)")
	testData := fs.String("test-data", "", "another data set whose test split is also scored (e.g. the lossless CIFAR-10 binary)")
	taps := fs.String("taps", "paper", `key taps: "paper" or a comma-separated list`)
	pool := fs.String("pool", "none", "per-tap pooling: none or avg")
	flip := fs.Bool("flip", true, "training images and their flips in the cache")
	queryFlip := fs.Bool("query-flip", true, "validation images and their flips as tuning queries (the paper)")
	valLimit := fs.Int("val-limit", 0, "tune with only N validation images, spread over the classes (0: all 5,000)")
	testLimit := fs.Int("test-limit", 0, "score only N images of each test set, spread over the classes (0: all)")
	noRefine := fs.Bool("no-refine", false, "skip the tuning's finer local search (halves tuning time)")
	paper := fs.String("paper", "", "the paper's theta,lambda,CacheOnly theta to score as well (../shared/data/README.md)")
	sizes := fs.String("sizes", "", "cache sizes (items) for the size curve, e.g. 10000,20000,50000,100000")
	seed := fs.Uint64("seed", 1, "random seed for the size curve's subsets")
	limit := fs.Int("limit", 0, "use only N cache images, N/9 validation and N/5 test images (0: all; quick checks)")
	oCache := fs.String("o-cache", "", "also write the full tuned cache here")
	md := fs.String("md", "", "append the table as markdown to this file")
	jsonOut := fs.String("json", "", "write all figures as JSON here")
	heatmap := fs.String("heatmap", "", "draw validation accuracy over the tuning grid as PNG")
	sizePlot := fs.String("size-plot", "", "draw the size curve as PNG")
	replot := fs.String("replot", "", "only redraw -heatmap from this -json output of an earlier run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *replot != "" {
		if *heatmap == "" {
			return usagef("-replot needs -heatmap")
		}
		return replotTable(*replot, *heatmap)
	}
	if *data == "" {
		return usagef("-data is required")
	}
	var pth []float64
	if *paper != "" {
		for _, f := range strings.Split(*paper, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return usagef("-paper %q: %v", *paper, err)
			}
			pth = append(pth, v)
		}
		if len(pth) != 3 || pth[0] < 0 || pth[2] < 0 || pth[1] < 0 || pth[1] > 1 {
			return usagef("-paper %q: want THETA,LAMBDA,CACHE_ONLY_THETA with lambda in 0..1", *paper)
		}
	}
	sz, err := parseInts(*sizes)
	if err != nil {
		return err
	}
	start := time.Now()
	k, err := nf.open(*data, logTo)
	if err != nil {
		return err
	}
	spec, err := parseTaps(k, *taps, *pool)
	if err != nil {
		return err
	}
	t, err := tune(k, spec, tuneInput{data: *data, cacheSplit: "fit", valSplit: "val", flip: *flip, queryFlip: *queryFlip, limit: *limit, valLimit: *valLimit, noRefine: *noRefine})
	if err != nil {
		return err
	}
	p := t.params
	p.Model = nf.model
	fmt.Fprintf(logTo, "table: tuned theta %.4f lambda %.4f (val %.2f%%), CacheOnly theta %.4f (val %.2f%%), network %.2f%%\n",
		p.Theta, p.Lambda, 100*p.ValAcc, p.CacheOnlyTheta, 100*p.ValCacheOnly, 100*p.ValBaseline)
	if *heatmap != "" && t.res.Grid != nil {
		title := fmt.Sprintf("%v: validation top-1, %d items", k.Float, p.Items)
		if err := writeHeatmap(*heatmap, title, accGrid{t.res.Thetas, t.res.Lambdas, t.res.Grid}, t.res.Theta, t.res.Lambda); err != nil {
			return err
		}
	}
	// The full cache: the tuning cache plus the validation keys.
	c := t.c
	c.Grow(t.val.Len())
	for i := 0; i < t.val.Len(); i++ {
		if err := c.Add(t.val.Keys[i*t.val.Dim:(i+1)*t.val.Dim], t.val.Labels[i]); err != nil {
			return err
		}
	}
	t.val = nil
	c.Theta, c.Lambda, c.CacheOnlyTheta = float32(p.Theta), float32(p.Lambda), float32(p.CacheOnlyTheta)
	if *oCache != "" {
		if err := c.WriteFile(*oCache); err != nil {
			return err
		}
		pp := p
		pp.Items, pp.FitItems = c.Len(), p.Items
		if err := writeJSON(paramsPath(*oCache), pp); err != nil {
			return err
		}
	}
	res := tableResult{Params: p, Items: c.Len(), Thetas: t.res.Thetas, Lambdas: t.res.Lambdas, Grid: t.res.Grid, CacheOnly: t.res.CacheOnly}
	mixes := []host.Mixture{{Theta: p.Theta, Lambda: p.Lambda}, {Theta: p.CacheOnlyTheta, Lambda: 1}}
	if pth != nil {
		res.PaperTheta, res.PaperLambda, res.PaperCacheOnlyTheta = pth[0], pth[1], pth[2]
		mixes = append(mixes, host.Mixture{Theta: pth[0], Lambda: pth[1]}, host.Mixture{Theta: pth[2], Lambda: 1})
	}
	// -limit N scores N/5 images of each test set; a smaller -test-limit wins.
	perSet := *testLimit
	if *limit > 0 {
		if n := max(1, *limit/5); perSet <= 0 || n < perSet {
			perSet = n
		}
	}
	var sizeQ *queries // -data's test split
	err = eachTestSet(k, []string{*data, *testData}, spec, perSet, "table", func(dir string, q *queries) error {
		e, base, err := host.Errors(c, &q.Queries, mixes)
		if err != nil {
			return err
		}
		row := tableRow{Data: dir, Images: q.Len(), Baseline: base, Cache: e[0], CacheOnly: e[1]}
		if pth != nil {
			row.PaperCache, row.PaperCacheOnly = e[2], e[3]
		}
		fmt.Fprintf(logTo, "table: %s: error baseline %.2f%%, cache %.2f%%, CacheOnly %.2f%%\n", dir, 100*row.Baseline, 100*row.Cache, 100*row.CacheOnly)
		if pth != nil {
			fmt.Fprintf(logTo, "table: %s: with the paper's parameters: cache %.2f%%, CacheOnly %.2f%%\n", dir, 100*row.PaperCache, 100*row.PaperCacheOnly)
		}
		res.Rows = append(res.Rows, row)
		if sizeQ == nil {
			sizeQ = q
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(sz) > 0 {
		res.SizeData = *data
		if res.Sizes, err = sizeCurve(c, sizeQ, sz, *seed, mixes, "table: size"); err != nil {
			return err
		}
	}
	if len(res.Sizes) > 0 && res.Sizes[len(res.Sizes)-1].Items < c.Len() {
		// The full cache's point is the table's first row.
		res.Sizes = append(res.Sizes, sizePoint{Items: c.Len(), Cache: res.Rows[0].Cache, CacheOnly: res.Rows[0].CacheOnly})
	}
	res.Seconds = time.Since(start).Seconds()
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, res); err != nil {
			return err
		}
	}
	text := res.markdown(k)
	if *md != "" {
		if err := appendFile(*md, text); err != nil {
			return err
		}
	}
	if *sizePlot != "" && len(res.Sizes) > 0 {
		first, last := res.Sizes[0], res.Sizes[len(res.Sizes)-1]
		net := plotter.XYs{{X: float64(first.Items), Y: 100 * res.Rows[0].Baseline}, {X: float64(last.Items), Y: 100 * res.Rows[0].Baseline}}
		title := fmt.Sprintf("%v: test error vs cache size (%s)", k.Float, *data)
		if err := plotSizes(*sizePlot, title, res.Sizes, net); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, text)
	return err
}

func (r tableResult) markdown(k *keyNet) string {
	var b strings.Builder
	p := r.Params
	fmt.Fprintf(&b, "\n### %s (%v)\n\n", p.Model, k)
	fmt.Fprintf(&b, "Keys: %s. Cache: %d items. Tuned on %d %s queries against %d %s items: theta %.4f, lambda %.4f, CacheOnly theta %.4f "+
		"(validation top-1: network %.2f%%, cache %.2f%%, CacheOnly %.2f%%).\n\n",
		p.Spec, r.Items, p.Queries, p.ValSplit, p.Items, p.CacheSplit, p.Theta, p.Lambda, p.CacheOnlyTheta, 100*p.ValBaseline, 100*p.ValAcc, 100*p.ValCacheOnly)
	if r.PaperTheta > 0 {
		fmt.Fprintf(&b, "| test set | images | baseline | Cache3 (tuned) | CacheOnly (tuned) | Cache3 (paper %.4g, %.4g) | CacheOnly (paper %.4g) |\n", r.PaperTheta, r.PaperLambda, r.PaperCacheOnlyTheta)
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, row := range r.Rows {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", row.Data, row.Images, pct(row.Baseline), pct(row.Cache), pct(row.CacheOnly), pct(row.PaperCache), pct(row.PaperCacheOnly))
		}
	} else {
		b.WriteString("| test set | images | baseline | Cache3 (tuned) | CacheOnly (tuned) |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, row := range r.Rows {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", row.Data, row.Images, pct(row.Baseline), pct(row.Cache), pct(row.CacheOnly))
		}
	}
	if len(r.Sizes) > 0 {
		fmt.Fprintf(&b, "\nCache size (class-balanced random subsets of the full cache, tuned theta/lambda), test error (%%) on %s:\n\n", r.SizeData)
		sizeMarkdown(&b, r.Sizes)
	}
	fmt.Fprintf(&b, "\n(%.0f s)\n", r.Seconds)
	return b.String()
}

// replotTable redraws the tuning grid's heatmap from a `cache table -json`
// file, as the run drew it.
func replotTable(jsonPath, png string) error {
	r, err := readTable(jsonPath)
	if err != nil {
		return err
	}
	if len(r.Thetas) == 0 || len(r.Lambdas) == 0 || len(r.Grid) != len(r.Thetas) {
		return fmt.Errorf("%s: no tuning grid (%d thetas, %d lambdas, %d rows)", jsonPath, len(r.Thetas), len(r.Lambdas), len(r.Grid))
	}
	for i, row := range r.Grid {
		if len(row) != len(r.Lambdas) {
			return fmt.Errorf("%s: grid row %d has %d values for %d lambdas", jsonPath, i, len(row), len(r.Lambdas))
		}
	}
	title := fmt.Sprintf("%s: validation top-1, %d items", r.Params.Arch, r.Params.Items)
	return writeHeatmap(png, title, accGrid{r.Thetas, r.Lambdas, r.Grid}, r.Params.Theta, r.Params.Lambda)
}

// readTable reads the JSON `cache table -json` writes.
func readTable(path string) (*tableResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r tableResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
