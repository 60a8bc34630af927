package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("eval", "top-1/top-5 accuracy and speed of a model on a data set", runEval)
}

// evalResult is eval's -json output.
type evalResult struct {
	Model        string  `json:"model"`
	Arch         string  `json:"arch"`
	Data         string  `json:"data"`
	Split        string  `json:"split"`
	Images       int     `json:"images"`
	Top1         float64 `json:"top1"`
	Top5         float64 `json:"top5"`
	ImagesPerSec float64 `json:"images_per_s"`
	Threads      int     `json:"threads"`
	Precision    string  `json:"precision"`
	// With -cache: top-1 of the mixture at the file's theta and lambda, and
	// of CacheOnly (lambda 1) at the file's CacheOnly theta.
	Cache          string   `json:"cache,omitempty"`
	Top1Cache      *float64 `json:"top1_cache,omitempty"`
	Top1CacheOnly  *float64 `json:"top1_cache_only,omitempty"`
	Theta          float64  `json:"theta,omitempty"`
	Lambda         float64  `json:"lambda,omitempty"`
	CacheOnlyTheta float64  `json:"cache_only_theta,omitempty"`
}

func runEval(args []string, stdout io.Writer) error {
	fs := newFlags("eval", "-model FILE -data DIR [-split test|train|val|fit] [-limit N] [-json]")
	modelPath := fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras")
	normPath := fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	data := fs.String("data", "", "data set: an ImageFolder root (ROOT/{train,test}/CLASS/*.png|jpg) or a CIFAR binary folder")
	split := fs.String("split", "test", "which images: test, train (all training images), val (5,000 held out) or fit (train minus val)")
	limit := fs.Int("limit", 0, "use only the first N images (0: all)")
	batch := fs.Int("batch", 32, "images per forward pass")
	threads := fs.Int("threads", defaultThreads(), "forward passes run in parallel")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	int8 := fs.Bool("int8", false, "quantize the model to int8 first (calibrated on -data's training images, observer chosen on its validation split) and evaluate that")
	quantPath := fs.String("quant", "", "evaluate this int8 model file (from edgecache quantize) instead of quantizing")
	cachePath := fs.String("cache", "", "also score the network with this cache (from edgecache cache build): top1_cache at its theta and lambda, top1_cache_only at lambda 1 and the file's CacheOnly theta")
	var qo quantOpts
	var obs string
	addQuantFlags(fs, &qo, &obs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" {
		return usagef("-data is required")
	}
	if err := checkThreads(*threads); err != nil {
		return err
	}
	net, err := loadModel(*modelPath, *normPath)
	if err != nil {
		return err
	}
	set, err := openSet(*data, *split, net.Classes)
	if err != nil {
		return err
	}
	var mem *cache.Cache
	var tapNames []string
	if *cachePath != "" {
		if mem, err = cache.ReadFile(*cachePath); err != nil {
			return err
		}
		for _, t := range mem.Spec().Taps {
			tapNames = append(tapNames, t.Name)
		}
	}
	kn := &keyNet{Float: net, Batch: *batch, Threads: *threads}
	switch {
	case *quantPath != "":
		if kn.Int8, err = quant.ReadFile(*quantPath); err != nil {
			return err
		}
	case *int8:
		if qo.observers, err = parseObservers(obs); err != nil {
			return err
		}
		qo.data, qo.threads, qo.log = *data, *threads, os.Stderr
		if kn.Int8, err = quantizeNet(net, qo); err != nil {
			return err
		}
	}
	precision := kn.Precision()
	var q *queries
	var specs []cache.Spec
	if mem != nil {
		if err := kn.Fits(mem); err != nil {
			return fmt.Errorf("%s: %w", *cachePath, err)
		}
		specs = []cache.Spec{mem.Spec()}
	}
	idx := indices(set.Len(), *limit)
	if mem != nil {
		q = keys.NewQueries(mem.Spec(), net.Classes, len(idx))
	}
	var top1, top5 int
	prog := newProgress(len(idx), "eval")
	done := 0
	start := time.Now()
	err = kn.Pass(set, idx, specs, keys.PassOptions{Progress: func(n, _ int) { prog.add(n - done); done = n }}, func(it keys.Item) error {
		rank := rankOf(it.Logits, it.Label)
		if rank == 0 {
			top1++
		}
		if rank < 5 {
			top5++
		}
		if q != nil {
			q.Add(it.Keys[0], it.Label, it.Probs, it.Source, it.Flip)
		}
		return nil
	})
	prog.done()
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	res := evalResult{
		Model: *modelPath, Arch: net.String(), Data: *data, Split: *split, Images: len(idx),
		Top1: float64(top1) / float64(len(idx)), Top5: float64(top5) / float64(len(idx)),
		ImagesPerSec: float64(len(idx)) / elapsed.Seconds(), Threads: *threads, Precision: precision,
	}
	if q != nil {
		e, err := cacheErrors(mem, q, tunedMixtures(mem)...)
		if err != nil {
			return err
		}
		a, b := 1-e[0], 1-e[1]
		res.Cache, res.Top1Cache, res.Top1CacheOnly = *cachePath, &a, &b
		res.Theta, res.Lambda, res.CacheOnlyTheta = float64(mem.Theta), float64(mem.Lambda), float64(mem.CacheOnlyTheta)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "model   %s\n        %v, %s\n", res.Model, net, precision)
	fmt.Fprintf(stdout, "data    %s (%s split, %d images)\n", res.Data, res.Split, res.Images)
	fmt.Fprintf(stdout, "top-1   %6.2f%%  (%d/%d)\n", 100*res.Top1, top1, res.Images)
	fmt.Fprintf(stdout, "top-5   %6.2f%%  (%d/%d)\n", 100*res.Top5, top5, res.Images)
	if q != nil {
		fmt.Fprintf(stdout, "cache   %s: %d items\n", *cachePath, mem.Len())
		fmt.Fprintf(stdout, "top-1   %6.2f%%  with the cache (theta %.4g, lambda %.4g)\n", 100**res.Top1Cache, res.Theta, res.Lambda)
		fmt.Fprintf(stdout, "top-1   %6.2f%%  CacheOnly (theta %.4g)\n", 100**res.Top1CacheOnly, res.CacheOnlyTheta)
	}
	fmt.Fprintf(stdout, "speed   %.0f images/s (%d threads, batch %d)\n", res.ImagesPerSec, *threads, *batch)
	return nil
}

// rankOf is how many classes score above the true one (0: top-1 correct).
// Ties count against the prediction, so a constant output scores nothing.
func rankOf(logits []float32, label int) int {
	rank := 0
	for j, v := range logits {
		if j != label && v >= logits[label] {
			rank++
		}
	}
	return rank
}
