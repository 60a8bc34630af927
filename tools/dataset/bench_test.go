package dataset

import (
	"bytes"
	"context"
	"fmt"
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

// BenchmarkJPEG decodes the JPEG test set (read, decode, convert), with
// one and two workers.
func BenchmarkJPEG(b *testing.B) {
	s, err := Open(filepath.Join(modeltest.DataDir(b), "cifar10-jpeg"), "test")
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) { stream(b, s, w) })
	}
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
