package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/boardfit"
	"github.com/edgecache/edgecache/tools/dataset"
)

func init() {
	register("cache board", "fit a board's cache with the budget study's fixed recipe (PCA of the whole taps, k-means prototypes, tuned on validation)", runCacheBoard)
}

func runCacheBoard(args []string, stdout io.Writer) error {
	fs := newFlags("cache board", "-model FILE [-quant F.eq8 | -int8] -data DIR [-budget 4MiB] -o FILE.cache")
	var nf netFlags
	addNetFlags(fs, &nf)
	data := fs.String("data", "", "ImageFolder root or CIFAR folder with training images (fit and val splits)")
	r := boardfit.Default
	budget := fs.String("budget", "4MiB", "memory the cache may take on the board (KiB, MiB, GiB, kB, MB, GB or bytes)")
	fs.IntVar(&r.PCA, "pca", r.PCA, "dimensions the whole-tap keys are projected to")
	fs.IntVar(&r.PCASample, "pca-sample", r.PCASample, "fit images the projection is fitted to")
	entries := fs.String("entries", string(r.Entries), "kmeans (prototypes), wkmeans (prototypes weighted by cluster size) or subset (class-balanced training items)")
	fs.IntVar(&r.KMeansIters, "kmeans-iters", r.KMeansIters, "k-means rounds at most")
	fs.BoolVar(&r.Flip, "flip", r.Flip, "add each image's mirror image to the cache and the validation queries")
	fs.Uint64Var(&r.Seed, "seed", r.Seed, "random seed for k-means and subsets")
	out := fs.String("o", "", "cache file to write (a JSON report goes beside it, FILE.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	b, err := parseBytes(*budget)
	if err != nil {
		return usagef("-budget: %v", err)
	}
	r.Budget, r.Entries = b, host.Entries(*entries)
	net, err := nf.open(*data, os.Stderr)
	if err != nil {
		return err
	}
	fit, err := dataset.Open(*data, "fit")
	if err != nil {
		return err
	}
	val, err := dataset.Open(*data, "val")
	if err != nil {
		return err
	}
	c, rep, err := boardfit.Fit(net, fit, val, r, os.Stderr)
	if err != nil {
		return err
	}
	if err := c.WriteFile(*out); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Recipe string `json:"recipe"`
		Keys   string `json:"keys"`
		*boardfit.Report
	}{"edgecache cache board", net.Precision(), rep}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d %s items of %s, %d bytes on the board (budget %d); theta %.4g, lambda %.4g; validation top-1 %.2f%% network, %.2f%% with the cache\n",
		*out, rep.Items, rep.Entries, rep.Spec, rep.Bytes, rep.Budget, rep.Theta, rep.Lambda, 100*rep.ValNetwork, 100*rep.ValCache)
	return nil
}
