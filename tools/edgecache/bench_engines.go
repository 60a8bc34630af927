package main

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/cputime"
)

// benchInput is n images of seeded random pixels: the timed runs need
// inputs, not their answers.
func benchInput(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*model.InputLen)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// benchLatency times batch-1 runs of one engine on this goroutine and
// returns the row with the median and fastest run, in ms.
func benchLatency(engineName string, mk func() (engine, error), o benchOpts) (benchRow, error) {
	e, err := mk()
	if err != nil {
		return benchRow{}, err
	}
	x := benchInput(1)
	times := make([]float64, o.runs)
	var cpu0 time.Duration
	for i := -o.warmup; i < o.runs; i++ {
		if i == 0 {
			cpu0 = cputime.Self()
		}
		t := time.Now()
		if _, err := e.Run(x, 1); err != nil {
			return benchRow{}, err
		}
		if i >= 0 {
			times[i] = float64(time.Since(t).Nanoseconds()) / 1e6
		}
	}
	slices.Sort(times)
	cpu := float64((cputime.Self() - cpu0).Nanoseconds()) / 1e6 / float64(o.runs)
	med := times[len(times)/2]
	return benchRow{Engine: engineName, Batch: 1, Threads: 1, MsPerImage: med, ImagesPerSec: 1000 / med, MinMs: times[0], CPUMs: cpu}, nil
}

// compare sets a row's ratios to ONNX Runtime's matching row.
func (r *benchRow) compare(ort benchRow) {
	r.Ratio = r.MsPerImage / ort.MsPerImage
	if r.MinMs > 0 && ort.MinMs > 0 {
		r.RatioMin = r.MinMs / ort.MinMs
	}
}

// benchThroughput runs one engine per thread, each on its own stream of full
// batches with no barrier between them (a barrier would idle every thread
// whenever one is descheduled), and returns images/s over the whole timed
// span and CPU ms per image.
func benchThroughput(mk func() (engine, error), batch, threads int, o benchOpts) (float64, float64, error) {
	engines := make([]engine, threads)
	for i := range engines {
		e, err := mk()
		if err != nil {
			return 0, 0, err
		}
		engines[i] = e
	}
	x := benchInput(batch)
	rounds := max(o.runs/batch, 5)
	for _, e := range engines { // warm-up: first-touch of every buffer
		if _, err := e.Run(x, batch); err != nil {
			return 0, 0, err
		}
	}
	errs := make([]error, threads)
	cpu0, t0 := cputime.Self(), time.Now()
	var wg sync.WaitGroup
	for k, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if _, err := e.Run(x, batch); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(t0).Seconds(), cputime.Self()-cpu0
	for _, err := range errs {
		if err != nil {
			return 0, 0, err
		}
	}
	images := float64(rounds * batch * threads)
	return images / wall, float64(cpu.Nanoseconds()) / 1e6 / images, nil
}
