package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/keys"
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

// keyNet is the network keys and predictions come from (tools/keys).
type keyNet = keys.Net

// queries are keys kept as scored queries (tools/keys).
type queries = keys.Queries

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
	k := &keyNet{Float: net, Batch: f.batch, Threads: f.threads}
	switch {
	case f.quant != "":
		if k.Int8, err = quant.ReadFile(f.quant); err != nil {
			return nil, err
		}
		if k.Int8.Classes != net.Classes || k.Int8.Depth != net.Depth {
			return nil, fmt.Errorf("%s is a %v, -model %s a %v", f.quant, k.Int8, f.model, net)
		}
	case f.int8:
		if f.qo.observers, err = parseObservers(f.obs); err != nil {
			return nil, err
		}
		f.qo.data, f.qo.threads, f.qo.log = data, f.threads, log
		if k.Int8, err = quantizeNet(net, f.qo); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// parseTaps turns -taps ("paper" or a comma-separated list of tap names) and
// -pool into a key spec for the network.
func parseTaps(k *keyNet, list, pool string) (cache.Spec, error) {
	p, err := cache.ParsePool(pool)
	if err != nil {
		return cache.Spec{}, usagef("-pool: %v", err)
	}
	var names []string
	if list == "paper" {
		if names, err = k.Float.PaperTaps(); err != nil {
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
		t, err := k.TapSpec(n, p)
		if err != nil {
			return cache.Spec{}, err
		}
		spec.Taps = append(spec.Taps, t)
	}
	return spec, spec.Validate()
}

// passOpts reports a pass as the commands do: a progress bar on a terminal
// and a line every 10% of the images to logTo.
func passOpts(what string, flip bool) keys.PassOptions {
	var bar *progress
	last := 0
	return keys.PassOptions{Flip: flip, What: what, Log: logTo, Progress: func(done, total int) {
		if bar == nil {
			bar = newProgress(total, what)
		}
		bar.add(done - last)
		last = done
		if done == total {
			bar.done()
		}
	}}
}

// logTo is where long commands report progress: stderr.
var logTo io.Writer = os.Stderr
