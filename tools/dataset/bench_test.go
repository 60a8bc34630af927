package dataset

import (
	"bytes"
	"context"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// stream runs b.N images of s through Batches with the given workers and
// reports images/s.
func stream(b *testing.B, s *Set, workers int) {
	b.ResetTimer()
	for done := 0; done < b.N; {
		sub := s.Limit(b.N - done)
		if err := sub.Batches(context.Background(), 100, workers, func(Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
		done += sub.Len()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkJPEG reads, decodes and converts the JPEG test set with one and
// with two workers. Each iteration streams the next 500 images (batches of
// 50) both ways, so that the two see the same load on a shared machine; it
// reports each one's images/s and their ratio.
func BenchmarkJPEG(b *testing.B) {
	s, err := Open(filepath.Join(modeltest.DataDir(b), "cifar10-jpeg"), "test")
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 500
	var took [3]time.Duration
	images, k := 0, 0
	for b.Loop() {
		idx := make([]int, chunk)
		for j := range idx {
			idx[j] = (k*chunk + j) % s.Len()
		}
		k++
		sub, err := s.Subset(idx)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range []int{1, 2} {
			t0 := time.Now()
			if err := sub.Batches(context.Background(), 50, w, func(Batch) error { return nil }); err != nil {
				b.Fatal(err)
			}
			took[w] += time.Since(t0)
		}
		images += chunk
	}
	b.ReportMetric(float64(images)/took[1].Seconds(), "w1-images/s")
	b.ReportMetric(float64(images)/took[2].Seconds(), "w2-images/s")
	b.ReportMetric(took[1].Seconds()/took[2].Seconds(), "w2/w1")
}

// BenchmarkBinary streams the binary test set, a copy and a table lookup
// per value.
func BenchmarkBinary(b *testing.B) {
	s, err := Open(filepath.Join(modeltest.DataDir(b), "cifar10"), "test")
	if err != nil {
		b.Fatal(err)
	}
	stream(b, s, 1)
}

// BenchmarkPixels converts one decoded JPEG (a 4:2:0 *image.YCbCr) with the
// fast path and with model.Pixels, and decodes it, alternating the three in
// every iteration so that all see the same load on a shared machine; it
// reports each one's ns per image and the fast path's speed-up.
func BenchmarkPixels(b *testing.B) {
	data := readFile(b, modeltest.File(b, "cifar10-jpeg/test/cat/0000.jpg"))
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, model.InputLen)
	var fast, slow, dec time.Duration
	for b.Loop() {
		t0 := time.Now()
		pixels(dst, img)
		t1 := time.Now()
		model.Pixels(dst, img)
		t2 := time.Now()
		jpeg.Decode(bytes.NewReader(data))
		t3 := time.Now()
		fast, slow, dec = fast+t1.Sub(t0), slow+t2.Sub(t1), dec+t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(fast.Nanoseconds())/n, "fast-ns/img")
	b.ReportMetric(float64(slow.Nanoseconds())/n, "model-ns/img")
	b.ReportMetric(float64(dec.Nanoseconds())/n, "decode-ns/img")
	b.ReportMetric(slow.Seconds()/fast.Seconds(), "speedup")
}
