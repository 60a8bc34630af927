package dataset

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// cifar10Names are the official CIFAR-10 class names, in label order.
var cifar10Names = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// writeFile writes data to dir/rel, making folders as needed.
func writeFile(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// record builds one binary record: the label bytes then 3072 pixel bytes
// that depend on seed.
func record(seed int, labels ...byte) []byte {
	rec := append([]byte{}, labels...)
	for i := range pixelBytes {
		rec = append(rec, byte(seed*31+i*7))
	}
	return rec
}

// randomImage is a w x h NRGBA image, opaque unless alpha.
func randomImage(w, h int, seed uint64, alpha bool) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
		if i%4 == 3 && !alpha {
			img.Pix[i] = 0xff
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// refPixels is the network input of an encoded image through the standard
// decoders and model.Pixels only: the reference the package must match.
func refPixels(t testing.TB, data []byte) []float32 {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	px := make([]float32, model.InputLen)
	if err := model.Pixels(px, img); err != nil {
		t.Fatal(err)
	}
	return px
}

// loadAll loads every image of s one by one.
func loadAll(t testing.TB, s *Set) []float32 {
	t.Helper()
	px := make([]float32, s.Len()*model.InputLen)
	for i := range s.Len() {
		if err := s.Load(i, px[i*model.InputLen:]); err != nil {
			t.Fatal(err)
		}
	}
	return px
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
