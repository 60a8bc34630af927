// Package modeltest finds the shared data folder (real models and images) for
// tests, and builds small random networks for tests that need no files.
package modeltest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// DataDir returns the shared data folder: $EDGECACHE_DATA, or ../shared/data
// beside the repository root. When it is missing the test is skipped with a
// message saying where to get the files, except in CI (CI=true), where a
// missing folder is a failure: CI must never pass by skipping everything.
func DataDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("EDGECACHE_DATA")
	if dir == "" {
		dir = filepath.Join(repoRoot(), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		msg := "shared data folder " + dir + " not found (set EDGECACHE_DATA; see README.md, \"Data\", for where the official files come from)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}

// File returns a path inside the data folder, failing or skipping (as DataDir)
// when that file is missing.
func File(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(DataDir(tb), rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("data file missing: %v", err)
		}
		tb.Skipf("data file missing: %v", err)
	}
	return p
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// RandomWeights returns canonical weights for a ResNet of the given depth with
// random values: batch norm unfolded, and projection shortcuts when shortcutB.
func RandomWeights(depth, classes int, shortcutB bool, seed uint64) model.Weights {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := model.Weights{}
	rnd := func(name string, scale float64, shape ...int) {
		t := model.NewTensor(shape...)
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64() * scale)
		}
		w[name] = t
	}
	bn := func(name string, c int) {
		rnd(name+".weight", 0.2, c)
		rnd(name+".bias", 0.1, c)
		rnd(name+".running_mean", 0.1, c)
		v := model.NewTensor(c)
		for i := range v.Data {
			v.Data[i] = 0.5 + rng.Float32()
		}
		w[name+".running_var"] = v
		for i := range w[name+".weight"].Data {
			w[name+".weight"].Data[i] += 1
		}
	}
	rnd("conv1.weight", 0.3, 16, 3, 3, 3)
	bn("bn1", 16)
	in := 16
	for s, width := range model.Widths {
		for b := 0; b < (depth-2)/6; b++ {
			p := "layer" + string(rune('1'+s)) + "." + strconv.Itoa(b) + "."
			rnd(p+"conv1.weight", 0.15, width, in, 3, 3)
			bn(p+"bn1", width)
			rnd(p+"conv2.weight", 0.15, width, width, 3, 3)
			bn(p+"bn2", width)
			if shortcutB && in != width {
				rnd(p+"shortcut.weight", 0.2, width, in, 1, 1)
				rnd(p+"shortcut.bias", 0.1, width)
			}
			in = width
		}
	}
	rnd("fc.weight", 0.3, classes, 64)
	rnd("fc.bias", 0.1, classes)
	return w
}

// CIFARNorm is the per-channel normalisation of the akamaster and ONNX models.
var CIFARNorm = model.ImageNetNorm()
