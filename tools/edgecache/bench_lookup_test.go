package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// benchLookup times a projected cache against both networks on real
// (synthetic-folder) test images, and refuses a cache of other taps.
func TestBenchLookup(t *testing.T) {
	root := synthFolder(t, 4, 2)
	k := testNet(t, 20)
	spec, err := parseTaps(k, "paper", "avg2")
	if err != nil {
		t.Fatal(err)
	}
	w := make([]float32, 8*spec.RawDim())
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	if spec.Proj, err = cache.NewProjection(8, spec.RawDim(), w, nil); err != nil {
		t.Fatal(err)
	}
	mem, err := cache.New(spec, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		key := make([]float32, 8)
		key[i%8] = 1
		if err := mem.Add(key, i%2); err != nil {
			t.Fatal(err)
		}
	}
	mem.Theta, mem.Lambda = 50, 0.5
	pix := make([]float32, 8*model.InputLen)
	for i := range pix {
		pix[i] = float32(i%255) / 255
	}
	cal, err := quant.Calibrate(k.Float, pix, 8)
	if err != nil {
		t.Fatal(err)
	}
	q, err := quant.Quantize(k.Float, cal, quant.MinMax)
	if err != nil {
		t.Fatal(err)
	}
	r, err := benchLookup(k.Float, q, mem, "m.cache", root, benchOpts{runs: 9, warmup: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.FloatMs <= 0 || r.Int8Ms <= 0 || r.LookupMs <= 0 || r.PctFloat <= 0 || r.PctInt8 <= 0 || r.Items != 50 || r.Dim != 8 ||
		!strings.Contains(r.Queries, "test images") || r.ContributorsMin < 1 || r.ContributorsMin > r.Contributors || r.Contributors > 50 {
		t.Fatalf("lookup bench %+v", r)
	}
	var b bytes.Buffer
	r.print(&b)
	if !strings.Contains(b.String(), "cache lookup") || !strings.Contains(b.String(), "network int8") || !strings.Contains(b.String(), "within the cutoff") {
		t.Fatalf("printed %q", b.String())
	}
	other, err := cache.New(cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.9", C: 64, H: 8, W: 8}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Add(make([]float32, other.Dim()), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := benchLookup(k.Float, nil, other, "o.cache", "", benchOpts{runs: 3}); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Fatalf("cache of unknown taps: %v", err)
	}
}
