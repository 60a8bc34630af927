package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// BenchmarkFrame times the board's whole path for one camera frame, as the
// board program runs it (bundle.Classifier): a 320x240 JPEG to the network's
// input, the int8 ResNet32 at batch 1, the lookup in a cache of at most 4 MiB
// and the mixture, with the float32 ResNet32 as a peer run in the same loop
// so that all see the same machine. The goal of the cache issue: the lookup
// under 10% of the network's time ("lookup/net-%" for the int8 network,
// "lookup/float-%" for the float32 one). Three cache shapes, each filled to
// the budget as cache.Cache.Bytes counts it:
//
//	avg192: the paper's three taps pooled to 192-value keys (10,861 items),
//	        a lookup that reads every byte;
//	pca64:  the taps whole (12,288 values) projected to 64 by an fp16
//	        matrix of 1.5 MiB, the rest items (20,154);
//	pca128: projected to 128 by a 3 MiB matrix, the rest items (about
//	        4,000): the shape `cache fit -budget 4MiB` chooses for the
//	        akamaster ResNet32, where the lookup reads the matrix only for
//	        the taps' non-zero values.
func BenchmarkFrame(b *testing.B) {
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(32, 10, true, 1))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pixels := bundletest.Pixels(rng, 64)
	qm := bundletest.Quantize(b, net, pixels)
	taps, err := net.PaperTaps()
	if err != nil {
		b.Fatal(err)
	}
	// A camera frame: smooth shapes and noise, JPEG quality 80.
	img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.NRGBA{uint8(x*255/320) ^ uint8(rng.IntN(16)), uint8(y), uint8((x + y) / 3), 255})
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	frame := device.Frame{Data: jpg.Bytes(), Format: device.JPEG, Width: 320, Height: 240}
	classes := make([]string, 10)
	for i := range classes {
		classes[i] = string(rune('a' + i))
	}
	for _, shape := range []struct {
		name string
		pool cache.Pool
		proj int
	}{{"avg192", cache.PoolAvg, 0}, {"pca64", cache.PoolNone, 64}, {"pca128", cache.PoolNone, 128}} {
		b.Run(shape.name, func(b *testing.B) {
			var spec cache.Spec
			for _, name := range taps {
				t, err := net.Tap(name)
				if err != nil {
					b.Fatal(err)
				}
				spec.Taps = append(spec.Taps, cache.TapSpec{Name: name, C: t.C, H: t.H, W: t.W, Pool: shape.pool})
			}
			if shape.proj > 0 {
				w := make([]float32, shape.proj*spec.RawDim())
				for i := range w {
					w[i] = float32(rng.NormFloat64()) / 100
				}
				if spec.Proj, err = cache.NewProjection(shape.proj, spec.RawDim(), w, nil); err != nil {
					b.Fatal(err)
				}
			}
			mem, err := cache.New(spec, 10)
			if err != nil {
				b.Fatal(err)
			}
			key := make([]float32, spec.Dim())
			for mem.Bytes() <= 4<<20-(2*spec.Dim()+2) {
				var s float32
				for i := range key {
					key[i] = float32(rng.NormFloat64())
					s += key[i] * key[i]
				}
				for i := range key {
					key[i] /= float32(math.Sqrt(float64(s)))
				}
				if err := mem.Add(key, rng.IntN(10)); err != nil {
					b.Fatal(err)
				}
			}
			mem.Theta, mem.Lambda = 50, 0.5
			bd := &bundle.Bundle{Model: qm, Cache: mem, Meta: bundle.Meta{Classes: classes, Preprocess: bundle.DefaultPreprocess}}
			cl, err := bundle.NewClassifier(bd)
			if err != nil {
				b.Fatal(err)
			}
			fr, err := net.NewRunner(1)
			if err != nil {
				b.Fatal(err)
			}
			x := pixels[:model.InputLen]
			var tPre, tNet, tLookup, tFloat time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tf := time.Now()
				if _, err := fr.Run(x, 1); err != nil {
					b.Fatal(err)
				}
				tFloat += time.Since(tf)
				r, err := cl.Classify(frame)
				if err != nil {
					b.Fatal(err)
				}
				tPre += r.Preprocess
				tNet += r.Network
				tLookup += r.Cache
			}
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
			b.ReportMetric(per(tPre), "jpeg320-ms")
			b.ReportMetric(per(tNet), "net-ms")
			b.ReportMetric(per(tLookup), "lookup-ms")
			b.ReportMetric(100*float64(tLookup)/float64(tNet), "lookup/net-%")
			b.ReportMetric(per(tFloat), "float-ms")
			b.ReportMetric(100*float64(tLookup)/float64(tFloat), "lookup/float-%")
			b.ReportMetric(float64(mem.Bytes())/(1<<20), "cache-MiB")
			b.ReportMetric(float64(mem.Len()), "items")
		})
	}
}
