package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/tools/keys"
)

// synthFolder writes an ImageFolder of two classes (reddish and bluish
// noise) with per class nTrain training and nTest test PNGs.
func synthFolder(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	root := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	for _, split := range []struct {
		name string
		n    int
	}{{"train", nTrain}, {"test", nTest}} {
		for ci, class := range []string{"red", "blue"} {
			dir := filepath.Join(root, split.name, class)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < split.n; i++ {
				img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
				for y := 0; y < 32; y++ {
					for x := 0; x < 32; x++ {
						v := uint8(r.IntN(128))
						c := color.NRGBA{v, v, v, 255}
						if ci == 0 {
							c.R += 100 + uint8(x)
						} else {
							c.B += 100 + uint8(y)
						}
						img.Set(x, y, c)
					}
				}
				var b bytes.Buffer
				if err := png.Encode(&b, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, strings.Repeat("0", 3)+string(rune('a'+i%26))+string(rune('a'+i/26))+".png"), b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return root
}

func testNet(t *testing.T, depth int) *keyNet {
	t.Helper()
	n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(depth, 2, false, 3))
	if err != nil {
		t.Fatal(err)
	}
	return &keyNet{Float: n, Batch: 4, Threads: 2}
}

func TestCacheTuneBuildScore(t *testing.T) {
	logTo = &bytes.Buffer{}
	root := synthFolder(t, 20, 6)
	k := testNet(t, 20)
	spec, err := parseTaps(k, "paper", "none")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Dim() != 3*64*8*8 {
		t.Fatalf("paper keys of %d values, want 12288", spec.Dim())
	}
	tu, err := tune(k, spec, tuneInput{data: root, cacheSplit: "fit", valSplit: "val", flip: true, queryFlip: true})
	if err != nil {
		t.Fatal(err)
	}
	// 20 per class: 18 fit + 2 val each, doubled by the flips.
	if tu.c.Len() != 2*36 || tu.val.Len() != 2*4 {
		t.Fatalf("tuning cache %d items, %d queries; want 72 and 8", tu.c.Len(), tu.val.Len())
	}
	p := tu.params
	if p.Theta < 10 || p.Theta > 100 || p.Lambda < 0 || p.Lambda > 1 || p.ValAcc < p.ValBaseline {
		t.Fatalf("tuned %+v", p)
	}
	// An item's flip follows its original within each batch: both carry the
	// same label.
	for i := 0; i < tu.val.Len(); i++ {
		if tu.val.Labels[i] != tu.val.Labels[(i+4)%8] && i < 4 {
			t.Fatalf("flip of query %d has label %d, original %d", i, tu.val.Labels[i+4], tu.val.Labels[i])
		}
	}

	// lambda 0 is the network alone.
	test, err := openSet(root, "test", k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	q, err := k.Collect(test, indices(test.Len(), 0), spec, keys.PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := cacheErrors(tu.c, q, host.Mixture{Theta: p.Theta, Lambda: 0})
	if err != nil {
		t.Fatal(err)
	}
	if base, err := networkError(q); err != nil || e[0] != base {
		t.Fatalf("lambda 0 error %v, network %v (%v)", e[0], base, err)
	}

	// Write, read back, check against the network.
	path := filepath.Join(t.TempDir(), "c.cache")
	tu.c.Theta, tu.c.Lambda, tu.c.CacheOnlyTheta = float32(p.Theta), float32(p.Lambda), float32(p.CacheOnlyTheta)
	if err := tu.c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	c, err := cache.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.CacheOnlyTheta != float32(p.CacheOnlyTheta) || c.Len() != tu.c.Len() {
		t.Fatalf("read back CacheOnly theta %v (want %v), %d items", c.CacheOnlyTheta, p.CacheOnlyTheta, c.Len())
	}
	if err := k.Fits(c); err != nil {
		t.Fatalf("a cache refused by its own network: %v", err)
	}
	// A deeper network has taps of the same shape under other names; a
	// ResNet20 lacks the ResNet32's layer3.3.
	k32 := testNet(t, 32)
	spec32, err := parseTaps(k32, "paper", "none")
	if err != nil {
		t.Fatal(err)
	}
	c32, err := cache.New(spec32, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Fits(c32); err == nil || !strings.Contains(err.Error(), "another model's taps") {
		t.Fatalf("ResNet32 cache on a ResNet20: %v", err)
	}
	wrong := cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.0", C: 32, H: 8, W: 8}}}
	cw, err := cache.New(wrong, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Fits(cw); err == nil || !strings.Contains(err.Error(), "another model's taps") {
		t.Fatalf("cache of a wrong tap shape: %v", err)
	}
}

func TestCacheFitForms(t *testing.T) {
	logTo = &bytes.Buffer{}
	root := synthFolder(t, 30, 4)
	k := testNet(t, 20)
	spec, err := parseTaps(k, "paper", "none")
	if err != nil {
		t.Fatal(err)
	}
	tu, err := tune(k, spec, tuneInput{data: root, cacheSplit: "fit", valSplit: "val", flip: true, noRefine: true})
	if err != nil {
		t.Fatal(err)
	}
	nFit := tu.c.Len()
	full := tu.c
	for i := 0; i < tu.val.Len(); i++ {
		if err := full.Add(tu.val.Key(i), tu.val.Labels[i]); err != nil {
			t.Fatal(err)
		}
	}
	forms, err := fitForms(full, nFit, spec, []int{8}, []int{4}, []int{6}, 20, tu.val, []*queries{tu.val})
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 5 || forms[1].Name != "avg" || forms[2].Name != "avg+pca8" || forms[3].Name != "avg2+pca6" || forms[4].Name != "whole+pca4" {
		t.Fatalf("forms %v", forms)
	}
	// Pooling the stored whole key equals pooling the raw taps: compare with
	// keys made directly by the pooled spec from the network's taps (the
	// same images and flips, in the same order). Both are unit vectors made
	// from the same float32 sums scaled differently, so they agree to a few
	// float32 roundings of each value.
	avg := forms[1]
	pooled, err := parseTaps(k, "paper", "avg")
	if err != nil {
		t.Fatal(err)
	}
	val, err := openSet(root, "val", k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	direct, err := k.Collect(val, indices(val.Len(), 0), pooled, keys.PassOptions{Flip: true})
	if err != nil {
		t.Fatal(err)
	}
	if avg.val.Dim != 3*64 || direct.Dim != avg.val.Dim || direct.Len() != avg.val.Len() {
		t.Fatalf("pooled keys: %d of %d values from the stored keys, %d of %d from the network",
			avg.val.Len(), avg.val.Dim, direct.Len(), direct.Dim)
	}
	for i, v := range direct.Keys {
		if d := math.Abs(float64(v - avg.val.Keys[i])); d > 1e-5 {
			t.Fatalf("query %d value %d: pooled from the stored key %v, from the network %v", i/direct.Dim, i%direct.Dim, avg.val.Keys[i], v)
		}
	}
	for _, budget := range []int64{20 << 10, 64 << 10, 1 << 20} {
		for _, f := range forms {
			for _, v := range fitCandidates(f, full, nFit, budget) {
				c, err := v.build(f, true, 3, 1, full, nFit)
				if err != nil {
					t.Fatal(err)
				}
				if int64(c.Bytes()) > budget {
					t.Fatalf("%v: %d bytes over the budget %d", v, c.Bytes(), budget)
				}
				if c.Len() != v.Items && !(v.Entries == "wkmeans" && c.Len() <= v.Items) {
					t.Fatalf("%v: built %d items", v, c.Len())
				}
			}
		}
	}
}

func TestParseBytes(t *testing.T) {
	good := map[string]int64{
		"4MiB": 4 << 20, "256KiB": 256 << 10, "1GiB": 1 << 30, "1.5MiB": 3 << 19, "500kB": 500000,
		"2MB": 2e6, "1048576": 1 << 20, "12 B": 12, " 64MiB ": 64 << 20,
	}
	for s, want := range good {
		got, err := parseBytes(s)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "MiB", "4XB", "-1MiB", "0", "1e6", "0x10", "NaNMiB", "InfKiB", "1.5", "4 MiB MiB", "2PiB", "1_000"} {
		if v, err := parseBytes(s); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", s, v)
		}
	}
}

func TestCacheCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"cache", "fit", "-data", "x", "-from", "y", "-budget", "4XB"}, 2, "-budget"},
		{[]string{"cache", "fit", "-data", "x", "-from", "y", "-budgets", "1MiB,lots"}, 2, "-budgets"},
		{[]string{"cache", "fit", "-data", "x", "-from", "y", "-entries", "kmeans,pca"}, 2, "-entries"},
		{[]string{"cache", "tune", "-data", "x", "-o", "p.json", "-val-split", "test"}, 2, "never tune on test images"},
		{[]string{"cache", "build", "-data", "x", "-o", "c", "-split", "test"}, 2, "test images"},
		{[]string{"cache", "frobnicate"}, 2, "unknown cache subcommand"},
		{[]string{"cache", "-h"}, 0, ""},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}

func TestReadParams(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"bad.json":    `{"theta": 80, "lambda": 1.5}`,
		"trunc.json":  `{"theta": 8`,
		"neg.json":    `{"theta": -1, "lambda": 0.5}`,
		"co-nan.json": `{"theta": 1, "lambda": 0.5, "cache_only_theta": -3}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readParams(path); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	ok := filepath.Join(dir, "ok.json")
	b, err := json.Marshal(tuneParams{Theta: 85.5, Lambda: 0.51, CacheOnlyTheta: 72})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ok, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := readParams(ok); err != nil || p.Theta != 85.5 {
		t.Fatalf("%+v, %v", p, err)
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"4MiB", "256KiB", "1.5GiB", "12 B", "1e6", "-1", "NaNMiB", "99999999999999999999GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseBytes(s)
		if err == nil && (v < 1 || v > 1<<50) {
			t.Fatalf("parseBytes(%q) = %d", s, v)
		}
	})
}

// `cache table -replot` redraws the heatmap from a run's JSON and names what
// is missing from a file without a grid.
func TestReplotTable(t *testing.T) {
	dir := t.TempDir()
	good := tableResult{Params: tuneParams{Arch: "ResNet32", Items: 90000, Theta: 50, Lambda: 0.5},
		Thetas: []float64{10, 50, 90}, Lambdas: []float64{0.1, 0.5}, Grid: [][]float64{{0.8, 0.85}, {0.86, 0.9}, {0.84, 0.88}}}
	path := filepath.Join(dir, "run.json")
	if err := writeJSON(path, good); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "grid.png")
	if err := replotTable(path, png); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Fatalf("heatmap not written: %v", err)
	}
	bad := good
	bad.Grid = [][]float64{{0.8, 0.85}, {0.86}, {0.84, 0.88}}
	if err := writeJSON(path, bad); err != nil {
		t.Fatal(err)
	}
	if err := replotTable(path, png); err == nil || !strings.Contains(err.Error(), "grid row 1") {
		t.Fatalf("ragged grid: %v", err)
	}
	if err := writeJSON(path, tableResult{}); err != nil {
		t.Fatal(err)
	}
	if err := replotTable(path, png); err == nil || !strings.Contains(err.Error(), "no tuning grid") {
		t.Fatalf("no grid: %v", err)
	}
}
