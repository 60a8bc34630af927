package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// fixture writes a random int8 ResNet-8, a replay tree of 2 classes x 3
// images, and a cache holding exactly those images' keys (globally pooled).
func fixture(t *testing.T, taps []string) (modelPath, cachePath, replayDir string) {
	return fixtureWith(t, taps, false)
}

// fixtureWith is fixture; projected makes the cache of the shape `cache fit`
// writes: 2x2-pooled taps, an 8-row fp16 projection and weighted items.
func fixtureWith(t *testing.T, taps []string, projected bool) (modelPath, cachePath, replayDir string) {
	t.Helper()
	dir := t.TempDir()
	spec := model.Spec{Norm: modeltest.CIFARNorm, Labels: []string{"cat", "dog"}}
	net, err := model.Build(spec, modeltest.RandomWeights(8, 2, false, 5))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 6
	pixels := make([]float32, n*model.InputLen)
	replayDir = filepath.Join(dir, "test")
	for i := 0; i < n; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
		for p := 0; p < 32*32; p++ {
			img.Set(p%32, p/32, color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255})
		}
		if err := model.Pixels(pixels[i*model.InputLen:], img); err != nil {
			t.Fatal(err)
		}
		class := spec.Labels[i%2]
		os.MkdirAll(filepath.Join(replayDir, class), 0o755)
		f, _ := os.Create(filepath.Join(replayDir, class, string(rune('a'+i))+".png"))
		png.Encode(f, img)
		f.Close()
	}
	cal, err := quant.Calibrate(net, pixels, n)
	if err != nil {
		t.Fatal(err)
	}
	qm, err := quant.Quantize(net, cal, quant.MinMax)
	if err != nil {
		t.Fatal(err)
	}
	modelPath = filepath.Join(dir, "net.eq8")
	f, _ := os.Create(modelPath)
	if _, err := qm.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var cs cache.Spec
	for _, name := range taps {
		info, err := qm.Tap(name)
		if err != nil {
			t.Fatal(err)
		}
		pool := cache.PoolAvg
		if projected {
			pool = cache.PoolAvg2
		}
		cs.Taps = append(cs.Taps, cache.TapSpec{Name: name, C: info.C, H: info.H, W: info.W, Pool: pool})
	}
	if projected {
		w := make([]float32, 8*cs.RawDim())
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		if cs.Proj, err = cache.NewProjection(8, cs.RawDim(), w, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem, err := cache.New(cs, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := qm.NewRunner(1, taps...)
	key := make([]float32, cs.Dim())
	for i := 0; i < n; i++ {
		if _, err := r.Run(pixels[i*model.InputLen:(i+1)*model.InputLen], 1); err != nil {
			t.Fatal(err)
		}
		var tv [][]float32
		for _, name := range taps {
			tv = append(tv, r.Tap(name))
		}
		if err := cs.Key(key, tv); err != nil {
			t.Fatal(err)
		}
		if err := mem.AddWeighted(key, i%2, 1+i%3); err != nil {
			t.Fatal(err)
		}
	}
	mem.Theta, mem.Lambda = 90, 1 // CacheOnly: each image finds itself
	cachePath = filepath.Join(dir, "mem.ec")
	if err := mem.WriteFile(cachePath); err != nil {
		t.Fatal(err)
	}
	return modelPath, cachePath, replayDir
}

func TestReplayWithCache(t *testing.T) {
	modelPath, cachePath, replayDir := fixture(t, []string{"layer3.0", "layer2.0.relu"})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-model", modelPath, "-cache", cachePath, "-replay", replayDir, "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if got := strings.Count(s, `"seq"`); got != 6 || !strings.Contains(s, `"summary":true`) {
		t.Errorf("%d JSON frames, want 6:\n%s", got, s)
	}
	// The cache holds every replayed image with its true label and
	// CacheOnly at theta 90 picks the nearest: all must be right.
	if !strings.Contains(s, `"top1_cache":1,`) {
		t.Errorf("cache did not recall its own images:\n%s", s)
	}
}

// A cache of the shape `cache fit` writes (projected keys, weighted items)
// runs on the board as the plain one does.
func TestReplayWithProjectedCache(t *testing.T) {
	modelPath, cachePath, replayDir := fixtureWith(t, []string{"layer3.0", "layer2.0.relu"}, true)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-model", modelPath, "-cache", cachePath, "-replay", replayDir, "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, `"top1_cache":1,`) {
		t.Errorf("projected cache did not recall its own images:\n%s", s)
	}
}

func TestRefusesForeignCache(t *testing.T) {
	modelPath, _, replayDir := fixture(t, []string{"layer3.0"})
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.0", C: 32, H: 8, W: 8}}}
	mem, _ := cache.New(spec, 2)
	mem.Add(make([]float32, spec.Dim()), 0)
	mem.Theta, mem.Lambda = 50, 0.5
	p := filepath.Join(t.TempDir(), "foreign.ec")
	mem.WriteFile(p)
	var text bytes.Buffer
	if err := run(context.Background(), []string{"-model", modelPath, "-replay", replayDir}, &text); err != nil ||
		!strings.Contains(text.String(), "top-1     network") {
		t.Errorf("text report: %v\n%s", err, text.String())
	}
	err := run(context.Background(), []string{"-model", modelPath, "-cache", p, "-replay", replayDir}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "tap layer3.0 is 64x8x8 here, 32x8x8 in the cache") {
		t.Errorf("foreign cache: %v", err)
	}
	if err := run(context.Background(), []string{"-model", filepath.Join(t.TempDir(), "none.eq8"), "-replay", replayDir}, &bytes.Buffer{}); err == nil {
		t.Error("missing model accepted")
	}
}

// A frame the camera cannot deliver (here a corrupt file) is reported and
// skipped: the board keeps classifying.
func TestBadFrameSkipped(t *testing.T) {
	modelPath, _, replayDir := fixture(t, []string{"layer3.0"})
	if err := os.WriteFile(filepath.Join(replayDir, "cat", "0-corrupt.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-model", modelPath, "-replay", replayDir, "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"frames":6,`) {
		t.Errorf("want the 6 good frames classified:\n%s", out.String())
	}
}
