package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// BenchmarkFrame times the board's per-frame work, the int8 ResNet32 at batch
// 1 and the lookup (taps to key, key to p_cache) in a cache of at most 4 MiB,
// with the float32 ResNet32 as a peer, alternating all three in one loop so
// that they see the same machine. The goal: the lookup under 10% of
// the network's time ("lookup/net-%" for the int8 network the board runs,
// "lookup/float-%" for the float32 one). Two cache shapes, both filled to the
// budget as cache.Cache.Bytes counts it:
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
	pixels := make([]float32, 64*model.InputLen)
	for i := range pixels {
		pixels[i] = rng.Float32()
	}
	cal, err := quant.Calibrate(net, pixels, 64)
	if err != nil {
		b.Fatal(err)
	}
	qm, err := quant.Quantize(net, cal, quant.MinMax)
	if err != nil {
		b.Fatal(err)
	}
	taps, err := net.PaperTaps()
	if err != nil {
		b.Fatal(err)
	}
	for _, shape := range []struct {
		name string
		pool cache.Pool
		proj int
	}{{"avg192", cache.PoolAvg, 0}, {"pca64", cache.PoolNone, 64}, {"pca128", cache.PoolNone, 128}} {
		b.Run(shape.name, func(b *testing.B) {
			var spec cache.Spec
			for _, name := range taps {
				t, _ := net.Tap(name)
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
				for i := range key {
					key[i] = float32(rng.NormFloat64())
				}
				if err := mem.Add(key, rng.IntN(10)); err != nil {
					b.Fatal(err)
				}
			}
			mem.Theta, mem.Lambda = 50, 0.5
			cl, err := newClassifier(qm, mem)
			if err != nil {
				b.Fatal(err)
			}
			fr, err := net.NewRunner(1)
			if err != nil {
				b.Fatal(err)
			}
			x := pixels[:model.InputLen]
			var tNet, tLookup, tFloat time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tf := time.Now()
				if _, err := fr.Run(x, 1); err != nil {
					b.Fatal(err)
				}
				tFloat += time.Since(tf)
				t0 := time.Now()
				if _, err := cl.run.Run(x, 1); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := cl.lookup(); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				tNet += t1.Sub(t0)
				tLookup += t2.Sub(t1)
			}
			b.ReportMetric(float64(tNet.Microseconds())/float64(b.N)/1000, "net-ms")
			b.ReportMetric(float64(tLookup.Microseconds())/float64(b.N)/1000, "lookup-ms")
			b.ReportMetric(100*float64(tLookup)/float64(tNet), "lookup/net-%")
			b.ReportMetric(float64(tFloat.Microseconds())/float64(b.N)/1000, "float-ms")
			b.ReportMetric(100*float64(tLookup)/float64(tFloat), "lookup/float-%")
			b.ReportMetric(float64(mem.Bytes())/(1<<20), "cache-MiB")
			b.ReportMetric(float64(mem.Len()), "items")
		})
	}
}
