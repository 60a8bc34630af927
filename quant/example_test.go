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
	// Validation images (in practice thousands, never test images) score
	// each observer; Choose quantizes with each and says which is best.
	val := append(modeltest.RandomInput(3), modeltest.RandomInput(4)...)
	choices, b, err := quant.Choose(net, cal, val, []int{2, 7}, quant.MinMax, quant.Observer{Percentile: 99.99})
	if err != nil {
		panic(err)
	}
	best := choices[b].Model
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
	fmt.Println(len(choices), "observers tried;", len(logits), "logits;", len(r.Tap("layer3.0")), "values in tap layer3.0")
	// Output: 2 observers tried; 10 logits; 4096 values in tap layer3.0
}
