package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
)

// bundleParts writes a random int8 ResNet-8 of two named classes and a tuned
// cache on one of its taps.
func bundleParts(t *testing.T) (qPath, cPath string) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	qm := bundletest.Quantize(t, bundletest.Net(t, []string{"red", "blue"}, 3), bundletest.Pixels(rng, 4))
	qPath = filepath.Join(dir, "net.eq8")
	f, err := os.Create(qPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qm.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(bundletest.Spec(t, qm, cache.PoolAvg, "layer3.0"), 2)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]float32, c.Dim())
	for i := 0; i < 10; i++ {
		for j := range key {
			key[j] = rng.Float32() / 8
		}
		if err := c.Add(key, i%2); err != nil {
			t.Fatal(err)
		}
	}
	c.Theta, c.Lambda = 40, 0.5
	cPath = filepath.Join(dir, "board.cache")
	if err := c.WriteFile(cPath); err != nil {
		t.Fatal(err)
	}
	return qPath, cPath
}

func TestBundleCommand(t *testing.T) {
	qPath, cPath := bundleParts(t)
	out := filepath.Join(t.TempDir(), "board.bundle")
	code, stdout, stderr := cli(t, "bundle", "-quant", qPath, "-cache", cPath, "-o", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "10 items") {
		t.Fatalf("bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "bundle", "-info", out)
	for _, want := range []string{"bundle \"board\"", "section QNET", "section CACH", "theta 40, lambda 0.5", "red, blue", "region center"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("-info lacks %q (exit %d):\n%s", want, code, stdout)
		}
	}
	code, stdout, _ = cli(t, "bundle", "-info", out, "-json")
	var info infoJSON
	if err := json.Unmarshal([]byte(stdout), &info); code != 0 || err != nil || info.CacheItems != 10 || info.Bytes == 0 || len(info.ID) != 64 {
		t.Errorf("-info -json: exit %d, %v: %+v", code, err, info)
	}

	// predict -bundle classifies a photo of any size as the board does.
	photo := filepath.Join(t.TempDir(), "photo.png")
	writeImage(t, photo, 320, 240)
	code, stdout, stderr = cli(t, "predict", "-bundle", out, "-json", photo)
	var p prediction
	if err := json.Unmarshal([]byte(stdout), &p); code != 0 || err != nil || len(p.Top) != 2 || p.Top[0].Label == "" {
		t.Errorf("predict -bundle: exit %d %v %s: %+v", code, err, stderr, p)
	}
	if code, _, stderr := cli(t, "predict", "-bundle", out, "-model", qPath, photo); code != 2 || !strings.Contains(stderr, "give -model or -bundle") {
		t.Errorf("predict with both: exit %d %q", code, stderr)
	}

	// Refusals, each naming the problem.
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(t.TempDir(), "corrupt.bundle")
	data[len(data)-5] ^= 1
	if err := os.WriteFile(corrupt, data, 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "short.bundle")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bundle", "-info", corrupt}, 1, "checksum mismatch (file corrupt): section CACH"},
		{[]string{"bundle", "-info", truncated}, 1, "truncated"},
		{[]string{"bundle", "-info", qPath}, 1, "not a bundle file"},
		{[]string{"bundle", "-quant", qPath}, 2, "-quant and -o are required"},
		{[]string{"bundle", "-quant", qPath, "-cache", cPath, "-roi", "sideways", "-o", out}, 1, "region \"sideways\""},
		{[]string{"bundle", "-quant", qPath, "-cache", cPath, "-classes", "a,b,c", "-o", out}, 1, "3 class names for a network of 2 classes"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	// The refused writes left the good bundle as it was.
	if code, _, _ := cli(t, "bundle", "-info", out); code != 0 {
		t.Error("a refused write damaged the existing bundle")
	}
}
