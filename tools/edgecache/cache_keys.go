package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/dataset"
)

// netFlags are the flags every cache command shares: which network makes the
// keys and how many passes run at once.
type netFlags struct {
	model, norm string
	int8        bool
	quant       string
	batch       int
	threads     int
	qo          quantOpts
	obs         string
}

func addNetFlags(fs *flag.FlagSet, f *netFlags) {
	fs.StringVar(&f.model, "model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras")
	fs.StringVar(&f.norm, "norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	fs.BoolVar(&f.int8, "int8", false, "quantize the model to int8 first (calibrated on -data's training images) and take keys from the int8 network")
	fs.StringVar(&f.quant, "quant", "", "take keys and predictions from this int8 model file (from edgecache quantize)")
	fs.IntVar(&f.batch, "batch", 32, "images per forward pass (twice as many with -flip)")
	fs.IntVar(&f.threads, "threads", defaultThreads(), "forward passes run in parallel")
	addQuantFlags(fs, &f.qo, &f.obs)
}

// keyNet is the network keys and predictions come from: the float model,
// or its int8 version (whose taps are dequantized).
type keyNet struct {
	net       *model.Net
	q         *quant.Model
	batch     int
	threads   int
	precision string
}

// open loads the model (and the int8 model if asked); data is the data set
// -int8 calibrates on.
func (f *netFlags) open(data string, log io.Writer) (*keyNet, error) {
	if err := checkThreads(f.threads); err != nil {
		return nil, err
	}
	if f.batch < 1 {
		return nil, usagef("-batch %d: need at least 1", f.batch)
	}
	net, err := loadModel(f.model, f.norm)
	if err != nil {
		return nil, err
	}
	k := &keyNet{net: net, batch: f.batch, threads: f.threads, precision: "float32"}
	switch {
	case f.quant != "":
		if k.q, err = quant.ReadFile(f.quant); err != nil {
			return nil, err
		}
		if k.q.Classes != net.Classes || k.q.Depth != net.Depth {
			return nil, fmt.Errorf("%s is a %v, -model %s a %v", f.quant, k.q, f.model, net)
		}
		k.precision = "int8"
	case f.int8:
		if f.qo.observers, err = parseObservers(f.obs); err != nil {
			return nil, err
		}
		f.qo.data, f.qo.threads, f.qo.log = data, f.threads, log
		if k.q, err = quantizeNet(net, f.qo); err != nil {
			return nil, err
		}
		k.precision = "int8"
	}
	return k, nil
}

// engines makes one engine per thread, each keeping the spec's taps and
// taking batches of per images.
func (k *keyNet) engines(spec cache.Spec, per int) ([]engine, error) {
	names := make([]string, len(spec.Taps))
	for i, t := range spec.Taps {
		names[i] = t.Name
	}
	out := make([]engine, k.threads)
	for i := range out {
		var err error
		if k.q != nil {
			out[i], err = k.q.NewRunner(per, names...)
		} else {
			out[i], err = k.net.NewRunner(per, names...)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tapSpec describes the network's tap name pooled as pool.
func (k *keyNet) tapSpec(name string, pool cache.Pool) (cache.TapSpec, error) {
	var info model.TapInfo
	var err error
	if k.q != nil {
		info, err = k.q.Tap(name)
	} else {
		info, err = k.net.Tap(name)
	}
	if err != nil {
		return cache.TapSpec{}, err
	}
	return cache.TapSpec{Name: info.Name, C: info.C, H: info.H, W: info.W, Pool: pool}, nil
}

// parseTaps turns -taps ("paper" or a comma-separated list of tap names) and
// -pool into a key spec for the network.
func (k *keyNet) parseTaps(list, pool string) (cache.Spec, error) {
	p, err := cache.ParsePool(pool)
	if err != nil {
		return cache.Spec{}, usagef("-pool: %v", err)
	}
	var names []string
	if list == "paper" {
		if names, err = k.net.PaperTaps(); err != nil {
			return cache.Spec{}, err
		}
	} else {
		for _, n := range strings.Split(list, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return cache.Spec{}, usagef("-taps: no tap names")
	}
	var spec cache.Spec
	for _, n := range names {
		t, err := k.tapSpec(n, p)
		if err != nil {
			return cache.Spec{}, err
		}
		spec.Taps = append(spec.Taps, t)
	}
	return spec, spec.Validate()
}

// checkSpec refuses a cache whose keys this network cannot make: every tap of
// the cache must exist in the network with the same shape.
func (k *keyNet) checkSpec(c *cache.Cache) error {
	want := c.Spec()
	var have cache.Spec
	for _, t := range want.Taps {
		ts, err := k.tapSpec(t.Name, t.Pool)
		if err != nil {
			return fmt.Errorf("the cache was built for another model's taps (%v): %w", want, err)
		}
		have.Taps = append(have.Taps, ts)
	}
	have.Proj = want.Proj
	if err := want.Check(have); err != nil {
		return fmt.Errorf("the cache was built for another model's taps: %w", err)
	}
	if c.Classes() != k.net.Classes {
		return fmt.Errorf("the cache holds %d classes, the model predicts %d", c.Classes(), k.net.Classes)
	}
	return nil
}

func (k *keyNet) String() string {
	return fmt.Sprintf("%v, %s", k.net, k.precision)
}

// item is one image's key and the network's prediction, handed to a sink in
// pass order (originals of a batch, then their flips).
type item struct {
	Key    []float32 // valid only during the call
	Label  int
	Probs  []float32 // softmax of the logits; valid only during the call
	Flip   bool
	Source int // index into the pass's image list
}

// keyPass runs the chosen images (and with flip their mirror images) through
// the network and calls sink with each one's key and prediction, in order.
// log, if not nil, gets a progress line every 10% (the bar is for terminals).
func (k *keyNet) keyPass(set images, idx []int, flip bool, spec cache.Spec, what string, log io.Writer, sink func(item) error) error {
	return k.keysPass(set, idx, flip, []cache.Spec{spec}, what, log, func(it item, keys [][]float32) error {
		it.Key = keys[0]
		return sink(it)
	})
}

// keysPass is keyPass for several key specs from the same forward passes:
// sink gets one key per spec.
func (k *keyNet) keysPass(set images, idx []int, flip bool, specs []cache.Spec, what string, log io.Writer, sink func(item, [][]float32) error) error {
	per := k.batch
	if flip {
		per *= 2
	}
	var union cache.Spec
	seen := map[string]bool{}
	for _, s := range specs {
		for _, t := range s.Taps {
			if !seen[t.Name] {
				seen[t.Name] = true
				union.Taps = append(union.Taps, t)
			}
		}
	}
	engines, err := k.engines(union, per)
	if err != nil {
		return err
	}
	classes := k.net.Classes
	taps := make([][][]float32, len(specs))
	keys := make([][]float32, len(specs))
	for s, spec := range specs {
		taps[s] = make([][]float32, len(spec.Taps))
		keys[s] = make([]float32, spec.Dim())
	}
	probs := make([]float32, classes)
	prog := newProgress(len(idx), what)
	start := time.Now()
	next := 0
	err = runPass(context.Background(), set, engines, passOpts{Indices: idx, Batch: k.batch, Flip: flip}, prog, func(c chunk) error {
		for i := 0; i < c.N; i++ {
			for s, spec := range specs {
				for t, ts := range spec.Taps {
					n := ts.C * ts.H * ts.W
					taps[s][t] = c.Engine.Tap(ts.Name)[i*n : (i+1)*n]
				}
				if err := spec.Key(keys[s], taps[s]); err != nil {
					return err
				}
			}
			model.Softmax(probs, c.Logits[i*classes:(i+1)*classes])
			src := c.Start + i%c.Originals
			if err := sink(item{Label: c.Labels[i], Probs: probs, Flip: i >= c.Originals, Source: src}, keys); err != nil {
				return err
			}
		}
		if done := c.Start + c.Originals; log != nil && done*10/len(idx) > next {
			next = done * 10 / len(idx)
			el := time.Since(start).Seconds()
			fmt.Fprintf(log, "%s: %d/%d images, %.0f images/s\n", what, done, len(idx), float64(done)/el)
		}
		return nil
	})
	el := prog.done()
	if err == nil && log != nil {
		n := len(idx)
		if flip {
			n *= 2
		}
		fmt.Fprintf(log, "%s: %d keys from %d images in %v (%.0f images/s)\n", what, n, len(idx), el.Round(time.Second), float64(len(idx))/el.Seconds())
	}
	return err
}

// queries is a set of query keys with labels and the network's
// probabilities, kept in float32.
type queries struct {
	dim, classes int
	keys         []float32
	labels       []int
	probs        []float32
	sources      []int  // position of each key's image in the pass
	flips        []bool // whether each key is of a mirrored image
}

func (q *queries) Len() int { return len(q.labels) }

func (q *queries) add(it item) {
	q.keys = append(q.keys, it.Key...)
	q.labels = append(q.labels, it.Label)
	q.probs = append(q.probs, it.Probs...)
	q.sources = append(q.sources, it.Source)
	q.flips = append(q.flips, it.Flip)
}

// item returns query i as an item (slices into q).
func (q *queries) item(i int) item {
	return item{Key: q.keys[i*q.dim : (i+1)*q.dim], Label: q.labels[i], Probs: q.probs[i*q.classes : (i+1)*q.classes],
		Flip: q.flips[i], Source: q.sources[i]}
}

// collect runs a pass and keeps every key as a query.
func (k *keyNet) collect(set images, idx []int, flip bool, spec cache.Spec, what string, log io.Writer) (*queries, error) {
	q := &queries{dim: spec.Dim(), classes: k.net.Classes}
	n := len(idx)
	if flip {
		n *= 2
	}
	q.keys = make([]float32, 0, n*q.dim)
	q.labels = make([]int, 0, n)
	q.probs = make([]float32, 0, n*q.classes)
	err := k.keyPass(set, idx, flip, spec, what, log, func(it item) error { q.add(it); return nil })
	return q, err
}

// fill runs a pass and adds every key to c.
func (k *keyNet) fill(c *cache.Cache, set images, idx []int, flip bool, what string, log io.Writer) error {
	n := len(idx)
	if flip {
		n *= 2
	}
	c.Grow(n)
	return k.keyPass(set, idx, flip, c.Spec(), what, log, func(it item) error { return c.Add(it.Key, it.Label) })
}

// openSet opens a split (or a glob of labelled files) and checks its
// classes against the network.
func (k *keyNet) openSet(dir, split string) (*dataset.Set, error) {
	return openSet(dir, split, k.net.Classes)
}

// logTo is where long commands report progress: stderr.
var logTo io.Writer = os.Stderr
