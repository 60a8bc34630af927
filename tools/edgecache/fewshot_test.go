package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
)

// fewshotFixture writes a tiny board bundle (random 10-class int8 ResNet-8,
// a cache of random unit keys) and an ImageFolder tree of random images
// (12 training and 3 test images per class) into dir.
func fewshotFixture(t *testing.T, dir string) (bundlePath, data string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	data = filepath.Join(dir, "data")
	for _, split := range []struct {
		name string
		n    int
	}{{"train", 12}, {"test", 3}} {
		for _, c := range names {
			d := filepath.Join(data, split.name, c)
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < split.n; i++ {
				img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
				for j := range img.Pix {
					img.Pix[j] = uint8(rng.IntN(256)) | uint8(255*btoi(j%4 == 3))
				}
				f, err := os.Create(filepath.Join(d, fmt.Sprintf("%04d.png", i)))
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	qm := bundletest.Quantize(t, bundletest.Net(t, names, 7), bundletest.Pixels(rng, 2))
	c, err := cache.New(bundletest.Spec(t, qm, cache.PoolAvg, "layer3.0"), 10)
	if err != nil {
		t.Fatal(err)
	}
	bundletest.AddUnitKeys(t, c, rng, 40, nil)
	c.Theta, c.Lambda, c.CacheOnlyTheta = 50, 0.5, 40
	b := &bundle.Bundle{Meta: bundle.Meta{Name: "fewshot-test", Classes: names, Preprocess: bundle.DefaultPreprocess}, Model: qm, Cache: c}
	bundlePath = filepath.Join(dir, "t.bundle")
	if err := b.WriteFile(bundlePath); err != nil {
		t.Fatal(err)
	}
	return bundlePath, data
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFewshotRun runs the command end to end on the fixture: tables on
// stdout, the JSON report and both plots.
func TestFewshotRun(t *testing.T) {
	dir := t.TempDir()
	b, data := fewshotFixture(t, dir)
	js, pl := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.png")
	code, out, errs := cli(t, "fewshot", "-bundle", b, "-data", data, "-classes", "0,c3", "-k", "1,2", "-camera", "-camera-k", "0,1",
		"-json", js, "-plot", pl, "-threads", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"| c0 |", "| c3 |", "k=2", "Noise:", "Camera domain", "| 1 | 10 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var r fewshotReport
	data2, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data2, &r); err != nil {
		t.Fatal(err)
	}
	if r.TestImages != 30 || len(r.HeldOut.Rows) != 6 || len(r.Camera.Rows) != 2 || r.HeldOut.Rows[0].New.Right != 0 {
		t.Errorf("report: %d test images, %d rows, camera %+v", r.TestImages, len(r.HeldOut.Rows), r.Camera)
	}
	for _, p := range []string{pl, filepath.Join(dir, "r-camera.png")} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", p, err)
		}
	}
}

// TestFewshotBadInput: every mistake is an error that names it.
func TestFewshotBadInput(t *testing.T) {
	dir := t.TempDir()
	b, data := fewshotFixture(t, dir)
	notBundle := filepath.Join(dir, "x.bundle")
	if err := os.WriteFile(notBundle, []byte(strings.Repeat("not a bundle file ", 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-data", data}, 2, "-bundle and -data are required"},
		{[]string{"-bundle", b}, 2, "-bundle and -data are required"},
		{[]string{"-bundle", b, "-data", data, "-k", "5,2"}, 2, "ascending"},
		{[]string{"-bundle", b, "-data", data, "-k", "one"}, 2, "-k"},
		{[]string{"-bundle", b, "-data", data, "-camera-k", "-1"}, 2, "-camera-k"},
		{[]string{"-bundle", b, "-data", data, "-group", "-1"}, 2, "-group -1"},
		{[]string{"-bundle", b, "-data", data, "-prior", "1.5"}, 2, "-prior 1.5"},
		{[]string{"-bundle", b, "-data", data, "-teach-split", "test"}, 2, "-teach-split"},
		{[]string{"-bundle", b, "-data", data, "-limit", "-3"}, 2, "negative"},
		{[]string{"-bundle", b, "-data", data, "-classes", "0,,1"}, 2, "empty entry"},
		{[]string{"-bundle", b, "-data", data, "-classes", "dragon"}, 2, `no class "dragon"`},
		{[]string{"-bundle", b, "-data", data, "-classes", "12"}, 2, "class 12 of 10"},
		{[]string{"-bundle", b, "-data", data, "-classes", "1,c1"}, 2, "twice"},
		{[]string{"-bundle", b, "-data", data, "-budget", "100"}, 2, "below what the bundle's cache takes"},
		{[]string{"-bundle", b, "-data", data, "extra"}, 2, "unexpected arguments"},
		{[]string{"-bundle", notBundle, "-data", data}, 1, "not a bundle"},
		{[]string{"-bundle", b, "-data", filepath.Join(dir, "nowhere")}, 1, "nowhere"},
	} {
		code, _, errs := cli(t, append([]string{"fewshot"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d naming %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
