package quant

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// readCIFAR reads up to limit records of a CIFAR-10 binary batch (1 label
// byte, then 1024 R, 1024 G, 1024 B bytes; cs.toronto.edu/~kriz/cifar.html)
// as pixels in [0, 1] and labels. The shared files are shorter than the
// official ones, so the record count comes from the file size.
func readCIFAR(tb testing.TB, rel string, limit int) ([]float32, []int) {
	tb.Helper()
	b, err := os.ReadFile(modeltest.File(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	const rec = 1 + model.InputLen
	if len(b)%rec != 0 {
		tb.Fatalf("%s: %d bytes is not a whole number of %d-byte records", rel, len(b), rec)
	}
	n := min(len(b)/rec, limit)
	px, labels := make([]float32, n*model.InputLen), make([]int, n)
	for i := range n {
		r := b[i*rec : (i+1)*rec]
		labels[i] = int(r[0])
		for j, v := range r[1:] {
			px[i*model.InputLen+j] = float32(v) / 255
		}
	}
	return px, labels
}

// runner is what model.Runner and quant.Runner have in common.
type runner interface {
	Run(pixels []float32, count int) ([]float32, error)
}

// top1 classifies every image on two goroutines and returns the fraction
// whose largest logit is the label.
func top1(tb testing.TB, newRunner func() runner, px []float32, labels []int) float64 {
	tb.Helper()
	const batch = 50
	var mu sync.Mutex
	correct := 0
	var wg sync.WaitGroup
	work := make(chan int)
	for range 2 {
		r := newRunner()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range work {
				n := min(batch, len(labels)-start)
				logits, err := r.Run(px[start*model.InputLen:(start+n)*model.InputLen], n)
				if err != nil {
					panic(err)
				}
				k := len(logits) / n
				c := 0
				for i := range n {
					best := 0
					for j, v := range logits[i*k : (i+1)*k] {
						if v > logits[i*k+best] {
							best = j
						}
					}
					if best == labels[start+i] {
						c++
					}
				}
				mu.Lock()
				correct += c
				mu.Unlock()
			}
		}()
	}
	for s := 0; s < len(labels); s += batch {
		work <- s
	}
	close(work)
	wg.Wait()
	return float64(correct) / float64(len(labels))
}

// checkAccuracy calibrates on 500 training images, then compares float and
// int8 top-1 on the 1,000 lossless test images, for both observers. The goal
// (issue 5) is int8 within 0.3 points of float; the test fails past 0.5
// points for the better observer, a margin for one-image noise in a 1,000
// image set.
func checkAccuracy(t *testing.T, net *model.Net) {
	calib, _ := readCIFAR(t, "cifar10/cifar-10-batches-bin/data_batch_1.bin", 500)
	test, labels := readCIFAR(t, "cifar10/cifar-10-batches-bin/test_batch.bin", 1000)
	cal, err := Calibrate(net, calib, len(calib)/model.InputLen)
	if err != nil {
		t.Fatal(err)
	}
	float := top1(t, func() runner {
		r, err := net.NewRunner(50)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}, test, labels)
	best := 0.0
	report := fmt.Sprintf("%v: float %.2f %%", net, 100*float)
	for _, obs := range []Observer{MinMax, {Percentile: 99.99}, {Percentile: 99.9}} {
		m, err := Quantize(net, cal, obs)
		if err != nil {
			t.Fatal(err)
		}
		q := top1(t, func() runner {
			r, err := m.NewRunner(50)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, test, labels)
		report += fmt.Sprintf(", int8 %v %.2f %%", obs, 100*q)
		best = max(best, q)
	}
	t.Log(report)
	if float-best > 0.005 {
		t.Errorf("int8 loses %.2f points (goal 0.3)", 100*(float-best))
	}
}
