package quant_test

import (
	"bytes"
	"fmt"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// The intended use: calibrate once, quantize with each observer, keep the
// one that scores best on validation images, save it, run it with taps.
func Example() {
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(8, 10, false, 1))
	if err != nil {
		panic(err)
	}
	train := modeltest.RandomInput(1) // in practice hundreds of training images
	cal, err := quant.Calibrate(net, train, 1)
	if err != nil {
		panic(err)
	}
	var best *quant.Model
	for _, obs := range []quant.Observer{quant.MinMax, {Percentile: 99.99}} {
		m, err := quant.Quantize(net, cal, obs)
		if err != nil {
			panic(err)
		}
		best = m // in practice: the one with the best validation top-1
	}
	var file bytes.Buffer
	if _, err := best.WriteTo(&file); err != nil {
		panic(err)
	}
	m, err := quant.Read(&file)
	if err != nil {
		panic(err)
	}
	r, err := m.NewRunner(1, "layer3.0")
	if err != nil {
		panic(err)
	}
	logits, err := r.Run(modeltest.RandomInput(2), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(logits), len(r.Tap("layer3.0")))
	// Output: 10 4096
}
