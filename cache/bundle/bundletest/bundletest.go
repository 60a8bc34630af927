// Package bundletest builds the parts of a small random board for tests: a
// random int8 CIFAR ResNet-8, the key spec of its taps and random unit keys.
// The bundle's tests, the firmware's and the host tools' assemble their
// bundles from these, each with its own seeds. It imports no bundle code,
// so that package bundle's own tests may use it too.
package bundletest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// Net is a float32 ResNet-8 with option-A shortcuts, random weights from
// seed (modeltest.RandomWeights), CIFAR's input normalisation and one class
// per label.
func Net(tb testing.TB, labels []string, seed uint64) *model.Net {
	tb.Helper()
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm, Labels: labels}, modeltest.RandomWeights(8, len(labels), false, seed))
	if err != nil {
		tb.Fatal(err)
	}
	return net
}

// Quantize is net in int8 with min-max ranges calibrated on pixels (whole
// images of model.InputLen values), as the boards' tests quantize.
func Quantize(tb testing.TB, net *model.Net, pixels []float32) *quant.Model {
	tb.Helper()
	cal, err := quant.Calibrate(net, pixels, len(pixels)/model.InputLen)
	if err != nil {
		tb.Fatal(err)
	}
	qm, err := quant.Quantize(net, cal, quant.MinMax)
	if err != nil {
		tb.Fatal(err)
	}
	return qm
}

// Pixels is n images of random pixel values in [0, 1) drawn from rng.
func Pixels(rng *rand.Rand, n int) []float32 {
	p := make([]float32, n*model.InputLen)
	for i := range p {
		p[i] = rng.Float32()
	}
	return p
}

// Spec is the key spec of m's taps, each pooled by pool.
func Spec(tb testing.TB, m *quant.Model, pool cache.Pool, taps ...string) cache.Spec {
	tb.Helper()
	var s cache.Spec
	for _, name := range taps {
		info, err := m.Tap(name)
		if err != nil {
			tb.Fatal(err)
		}
		s.Taps = append(s.Taps, cache.TapSpec{Name: name, C: info.C, H: info.H, W: info.W, Pool: pool})
	}
	return s
}

// AddUnitKeys adds n random unit keys to c (values uniform in [0, 1) from
// rng, then normalised), item i labelled i modulo c's classes and counting
// as weight(i) items (weight nil: one each).
func AddUnitKeys(tb testing.TB, c *cache.Cache, rng *rand.Rand, n int, weight func(i int) int) {
	tb.Helper()
	key := make([]float32, c.Dim())
	for i := 0; i < n; i++ {
		var s float32
		for j := range key {
			key[j] = rng.Float32()
			s += key[j] * key[j]
		}
		for j := range key {
			key[j] /= float32(math.Sqrt(float64(s)))
		}
		w := 1
		if weight != nil {
			w = weight(i)
		}
		if err := c.AddWeighted(key, i%c.Classes(), w); err != nil {
			tb.Fatal(err)
		}
	}
}
