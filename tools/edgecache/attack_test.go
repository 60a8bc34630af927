package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/tools/robust"
)

// attackCache writes a cache of random keys over the tiny model's
// layer3.0 (averaged per channel) with the given tuned heads.
func attackCache(t *testing.T, theta, lambda, cacheOnly float32) string {
	t.Helper()
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.0", C: 64, H: 8, W: 8, Pool: cache.PoolAvg}}}
	c, err := cache.New(spec, 10)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	key := make([]float32, spec.Dim())
	for i := 0; i < 40; i++ {
		var ss float64
		for j := range key {
			key[j] = float32(r.NormFloat64())
			ss += float64(key[j]) * float64(key[j])
		}
		for j := range key {
			key[j] /= float32(math.Sqrt(ss))
		}
		if err := c.Add(key, i%10); err != nil {
			t.Fatal(err)
		}
	}
	c.Theta, c.Lambda, c.CacheOnlyTheta = theta, lambda, cacheOnly
	path := filepath.Join(t.TempDir(), "c.cache")
	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// The attack command end to end on the tiny model: the report's shape and
// ranges in JSON and as a table, the decision attacks' white-box rows
// (every target attacked at once), and bad flags named.
func TestAttackCommand(t *testing.T) {
	root := synthFolder(t, 2, 3)
	cachePath := attackCache(t, 30, 0.5, 40)
	for _, kind := range []string{"blur", "pixel"} {
		code, out, errs := cli(t, "attack", "-model", tinyModel, "-cache", cachePath, "-data", root, "-attack", kind, "-n", "3", "-json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errs)
		}
		var rep robust.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v in %q", kind, err, out)
		}
		if rep.Attack != kind || rep.Images != 3 || rep.Seed != 1 || len(rep.Rows) != 3 {
			t.Fatalf("%s: report %+v", kind, rep)
		}
		for i, name := range []string{"baseline", "Cache3", "CacheOnly"} {
			r := rep.Rows[i]
			if r.Model != name {
				t.Errorf("%s: row %d is %q, want %q", kind, i, r.Model, name)
			}
			for _, v := range []float64{r.Clean, r.BlackBox, r.WhiteBox, r.Fooled} {
				if !(v >= 0 && v <= 1) {
					t.Errorf("%s %s: share %v outside [0, 1]", kind, name, v)
				}
			}
			if r.WhiteBox+r.Fooled > 1+1e-9 {
				t.Errorf("%s %s: white-box top-1 %v + fooled %v > 1", kind, name, r.WhiteBox, r.Fooled)
			}
			// Each white-box attack scores each image at least once.
			if r.Evals < rep.Images {
				t.Errorf("%s %s: %d evaluations for %d images", kind, name, r.Evals, rep.Images)
			}
		}
	}
	code, out, errs := cli(t, "attack", "-model", tinyModel, "-cache", cachePath, "-data", root, "-attack", "blur", "-n", "2", "-whitebox=false")
	if code != 0 || !strings.Contains(out, "blur on 2 images (seed 1)") || !strings.Contains(out, "| Cache3 |") || !strings.Contains(out, "| - | - | - |") {
		t.Fatalf("table: exit %d %q %s", code, out, errs)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-attack", "cw"}, 2, `unknown attack "cw"`},
		{[]string{"-n", "0"}, 2, "-n 0"},
		{[]string{"-quant", "q.eq8"}, 2, "-quant and -board-cache go together"},
		{[]string{"-cache", attackCache(t, 0, 0, 0)}, 1, "no tuned theta"},
		{[]string{"-cache", filepath.Join(root, "missing.cache")}, 1, "missing.cache"},
	} {
		args := append([]string{"attack", "-model", tinyModel, "-data", root, "-n", "1"}, tc.args...)
		code, _, errs := cli(t, args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
