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
// 1 and the lookup in a cache of about 4 MiB (the paper's three taps pooled
// to 192-value fp16 keys, 10,800 items), alternating them in one loop so that
// both see the same machine. The goal: the lookup under 10% of the
// network's time ("lookup/net-%").
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
	var spec cache.Spec
	for _, name := range taps {
		t, _ := net.Tap(name)
		spec.Taps = append(spec.Taps, cache.TapSpec{Name: name, C: t.C, H: t.H, W: t.W, Pool: cache.PoolAvg})
	}
	mem, err := cache.New(spec, 10)
	if err != nil {
		b.Fatal(err)
	}
	key := make([]float32, spec.Dim())
	for mem.Bytes() < 4<<20-(2*spec.Dim()+2) {
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
	x := pixels[:model.InputLen]
	pc := make([]float32, 10)
	var tNet, tLookup time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := cl.run.Run(x, 1); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for k, t := range spec.Taps {
			cl.taps[k] = cl.run.Tap(t.Name)
		}
		if err := spec.Key(key, cl.taps); err != nil {
			b.Fatal(err)
		}
		if err := mem.Probs(pc, key, 50); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		tNet += t1.Sub(t0)
		tLookup += t2.Sub(t1)
	}
	b.ReportMetric(float64(tNet.Microseconds())/float64(b.N)/1000, "net-ms")
	b.ReportMetric(float64(tLookup.Microseconds())/float64(b.N)/1000, "lookup-ms")
	b.ReportMetric(100*float64(tLookup)/float64(tNet), "lookup/net-%")
	b.ReportMetric(float64(mem.Bytes())/(1<<20), "cache-MiB")
	b.ReportMetric(float64(mem.Len()), "items")
}
