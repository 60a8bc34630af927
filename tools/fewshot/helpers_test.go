package fewshot

import (
	"context"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// images is an in-memory labelled image set (keys.Images).
type images struct {
	imgs   []*image.RGBA
	labels []int
}

func (s *images) Len() int        { return len(s.imgs) }
func (s *images) Label(i int) int { return s.labels[i] }
func (s *images) Load(i int, dst []float32) error {
	return model.Pixels(dst, s.imgs[i])
}

// randomImages makes n random 32x32 images labelled i % classes.
func randomImages(n, classes int, seed uint64) *images {
	rng := rand.New(rand.NewPCG(seed, 5))
	s := &images{}
	for i := 0; i < n; i++ {
		img := image.NewRGBA(image.Rect(0, 0, model.InputSize, model.InputSize))
		for j := range img.Pix {
			img.Pix[j] = uint8(rng.IntN(256))
			if j%4 == 3 {
				img.Pix[j] = 255
			}
		}
		s.imgs = append(s.imgs, img)
		s.labels = append(s.labels, i%classes)
	}
	return s
}

// testSetup is a tiny board: a random 3-class int8 ResNet-8 and a cache of
// the keys of 30 random images (avg-pooled taps, as a fitted board cache),
// labelled i % 3.
func testSetup(t testing.TB) (*quant.Model, *cache.Cache) {
	t.Helper()
	cal := randomImages(4, 3, 11)
	pixels := make([]float32, cal.Len()*model.InputLen)
	for i := range cal.imgs {
		if err := cal.Load(i, pixels[i*model.InputLen:]); err != nil {
			t.Fatal(err)
		}
	}
	qm := bundletest.Quantize(t, bundletest.Net(t, []string{"cat", "dog", "ship"}, 7), pixels)
	spec := bundletest.Spec(t, qm, cache.PoolAvg, "layer3.0", "layer3.0.relu")
	c, err := cache.New(spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	set := randomImages(30, 3, 1)
	e, err := Encode(context.Background(), qm, spec, set, seq(set.Len()), EncodeOptions{Threads: 2, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < e.Len(); i++ {
		if err := c.Add(e.Key(i), e.Labels[i]); err != nil {
			t.Fatal(err)
		}
	}
	c.Theta, c.Lambda, c.CacheOnlyTheta = 200, 0.8, 150
	return qm, c
}

func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
