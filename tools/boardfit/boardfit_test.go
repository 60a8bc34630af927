package boardfit

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/keys"
)

// folder writes an ImageFolder training tree of two classes (reddish and
// bluish noise), n images each.
func folder(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	for ci, class := range []string{"red", "blue"} {
		dir := filepath.Join(root, "train", class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
			for p := 0; p < 32*32; p++ {
				v := uint8(r.IntN(128))
				c := color.NRGBA{v, v, v, 255}
				if ci == 0 {
					c.R += 100
				} else {
					c.B += 100
				}
				img.Set(p%32, p/32, c)
			}
			var b bytes.Buffer
			png.Encode(&b, img)
			if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i%26))+string(rune('a'+i/26))+".png"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func TestFit(t *testing.T) {
	root := folder(t, 60)
	fit, err := dataset.Open(root, "fit")
	if err != nil {
		t.Fatal(err)
	}
	val, err := dataset.Open(root, "val")
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(14, 2, false, 3))
	if err != nil {
		t.Fatal(err)
	}
	pixels := make([]float32, 8*model.InputLen)
	for i := 0; i < 8; i++ {
		if err := fit.Load(i*fit.Len()/8, pixels[i*model.InputLen:]); err != nil {
			t.Fatal(err)
		}
	}
	cal, err := quant.Calibrate(net, pixels, 8)
	if err != nil {
		t.Fatal(err)
	}
	qm, err := quant.Quantize(net, cal, quant.MinMax)
	if err != nil {
		t.Fatal(err)
	}
	n := &keys.Net{Float: net, Int8: qm, Batch: 4, Threads: 2}
	// A budget for 40 items of 8-value keys: the fp16 projection of the
	// 3 x 64x8x8 taps takes most of it.
	var spec cache.Spec
	for _, name := range []string{"layer3.0.relu", "layer3.0", "layer3.1.relu"} {
		info, err := qm.Tap(name)
		if err != nil {
			t.Fatal(err)
		}
		spec.Taps = append(spec.Taps, cache.TapSpec{Name: name, C: info.C, H: info.H, W: info.W})
	}
	if spec.Proj, err = cache.NewProjection(8, spec.RawDim(), make([]float32, 8*spec.RawDim()), nil); err != nil {
		t.Fatal(err)
	}
	budget := int64(cache.Footprint(spec, 2, 40, false))
	r := Recipe{Budget: budget, PCA: 8, PCASample: 20, Entries: host.EntriesKMeans, KMeansIters: 5, Flip: true, Seed: 1}
	var log bytes.Buffer
	c, rep, err := Fit(n, fit, val, r, &log)
	if err != nil {
		t.Fatal(err)
	}
	if int64(c.Bytes()) > budget || c.Len() != 40 || c.Dim() != 8 || c.Spec().Proj == nil || c.Classes() != 2 || c.Len() < 2 {
		t.Errorf("cache of %d items, %d bytes, key %v", c.Len(), c.Bytes(), c.Spec())
	}
	// Prototypes, not items: fewer than the fit split's keys, at least one
	// per class, and the two classes as balanced as the budget allows.
	per := [2]int{}
	for i := 0; i < c.Len(); i++ {
		per[c.Label(i)]++
	}
	if c.Len() >= 2*fit.Len() || per[0] == 0 || per[1] == 0 || per[0]-per[1] > 1 || per[1]-per[0] > 1 {
		t.Errorf("%d items for %d fit images, per class %v", c.Len(), fit.Len(), per)
	}
	if !(c.Theta > 0) || !(c.Lambda > 0 && c.Lambda <= 1) || rep.Items != c.Len() || rep.Bytes != c.Bytes() {
		t.Errorf("theta %v lambda %v, report %+v", c.Theta, c.Lambda, rep)
	}
	// The cache tells the two classes apart on validation images.
	if rep.ValCache < 0.9 {
		t.Errorf("validation top-1 with the cache %.2f", rep.ValCache)
	}
	for _, s := range []string{"PCA of 20 whole keys", "kmeans entries", "tuned on"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}
	// A budget that holds nothing, and a recipe that makes no sense.
	r.Budget = 100
	if _, _, err := Fit(n, fit, val, r, &log); err == nil || !strings.Contains(err.Error(), "fits 100 bytes") {
		t.Errorf("tiny budget: %v", err)
	}
	r.Budget, r.Entries = budget, "all"
	if _, _, err := Fit(n, fit, val, r, &log); err == nil || !strings.Contains(err.Error(), "entries \"all\"") {
		t.Errorf("entries all: %v", err)
	}
}
