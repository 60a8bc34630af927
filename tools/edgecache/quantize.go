package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("quantize", "int8 post-training quantization, observer chosen by validation accuracy", runQuantize)
}

// quantOpts says how to calibrate and choose among observers.
type quantOpts struct {
	data      string
	calib     int // calibration images, from the "fit" split
	val       int // validation images scoring each observer
	observers []quant.Observer
	threads   int
	log       io.Writer
}

func addQuantFlags(fs interface {
	IntVar(*int, string, int, string)
	StringVar(*string, string, string, string)
}, o *quantOpts, obs *string) {
	fs.IntVar(&o.calib, "calib", 1000, "calibration images, spread over the training images outside the validation split")
	fs.IntVar(&o.val, "val", 2000, "validation images that score each observer")
	fs.StringVar(obs, "observers", "minmax,p99.99,p99.999", "range observers to try: minmax or pPERCENTILE, comma-separated")
}

func parseObservers(s string) ([]quant.Observer, error) {
	var out []quant.Observer
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "minmax":
			out = append(out, quant.MinMax)
		case strings.HasPrefix(f, "p"):
			p, err := strconv.ParseFloat(f[1:], 64)
			if err != nil {
				return nil, usagef("observer %q: %v", f, err)
			}
			out = append(out, quant.Observer{Percentile: p})
		default:
			return nil, usagef("observer %q: want minmax or pPERCENTILE (e.g. p99.99)", f)
		}
	}
	if len(out) == 0 {
		return nil, usagef("no observers")
	}
	return out, nil
}

// quantizeNet quantizes net with keys.Quantize: calibrated on o.data's fit
// split, the observer chosen on its val split (never test images).
func quantizeNet(net *model.Net, o quantOpts) (*quant.Model, error) {
	fit, err := dataset.Open(o.data, "fit")
	if err != nil {
		return nil, err
	}
	val, err := dataset.Open(o.data, "val")
	if err != nil {
		return nil, err
	}
	return keys.Quantize(net, fit, val, keys.QuantizeOptions{Calib: o.calib, Val: o.val, Observers: o.observers, Threads: o.threads, Log: o.log})
}

func runQuantize(args []string, stdout io.Writer) error {
	fs := newFlags("quantize", "-model FILE -data DIR -o FILE [-calib N] [-val N] [-observers LIST] [-ranges FILE]")
	modelPath := fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras")
	normPath := fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	var o quantOpts
	var obs string
	fs.StringVar(&o.data, "data", "", "data set with training images (ImageFolder root or CIFAR binary folder)")
	addQuantFlags(fs, &o, &obs)
	fs.IntVar(&o.threads, "threads", defaultThreads(), "forward passes run in parallel")
	out := fs.String("o", "", "output: the int8 model file")
	ranges := fs.String("ranges", "", "also write the activation ranges as JSON (for tools/ort/qdq.py)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	var err error
	if o.observers, err = parseObservers(obs); err != nil {
		return err
	}
	net, err := loadModel(*modelPath, *normPath)
	if err != nil {
		return err
	}
	o.log = stdout
	m, err := quantizeNet(net, o)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { _, err := m.WriteTo(w); return err }); err != nil {
		return err
	}
	if *ranges != "" {
		b, err := m.Ranges()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*ranges, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s: %v\n", *out, m)
	return nil
}
