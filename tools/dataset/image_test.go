package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// TestPixelsMatchModel: every fast path gives exactly model.Pixels' values,
// also for images whose bounds do not start at (0, 0) (sub-images).
func TestPixelsMatchModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(b []byte) {
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		// The extremes, where the YCbCr clamps act.
		copy(b, []byte{0, 255, 0, 255, 128, 0, 255, 255, 0, 0})
	}
	var imgs []image.Image
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		p := image.NewYCbCr(image.Rect(0, 0, 37, 35), ratio)
		fill(p.Y)
		fill(p.Cb)
		fill(p.Cr)
		imgs = append(imgs, p.SubImage(image.Rect(0, 0, 32, 32)), p.SubImage(image.Rect(3, 1, 35, 33)))
		// Negative bounds take the general path.
		neg := image.NewYCbCr(image.Rect(-3, -1, 29, 31), ratio)
		fill(neg.Y)
		fill(neg.Cb)
		fill(neg.Cr)
		imgs = append(imgs, neg)
	}
	rgba := image.NewRGBA(image.Rect(-2, 5, 33, 40))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 33, 33))
	gray := image.NewGray(image.Rect(0, 0, 34, 32))
	fill(rgba.Pix)
	fill(nrgba.Pix) // random alpha: premultiplication rounding is exercised
	fill(gray.Pix)
	imgs = append(imgs,
		rgba.SubImage(image.Rect(-1, 6, 31, 38)), nrgba.SubImage(image.Rect(1, 1, 33, 33)),
		nrgba.SubImage(image.Rect(0, 0, 32, 32)), gray.SubImage(image.Rect(2, 0, 34, 32)),
		image.NewPaletted(image.Rect(0, 0, 32, 32), color.Palette{color.RGBA{1, 2, 3, 255}})) // general path
	for k, img := range imgs {
		got := make([]float32, model.InputLen+1)
		got[model.InputLen] = -7 // guard
		want := make([]float32, model.InputLen)
		if err := pixels(got, img); err != nil {
			t.Fatal(err)
		}
		if err := model.Pixels(want, img); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got[:model.InputLen], want) || got[model.InputLen] != -7 {
			t.Errorf("image %d (%T %v): fast path differs from model.Pixels", k, img, img.Bounds())
		}
	}
	// Size errors are model.Pixels'.
	if err := pixels(make([]float32, model.InputLen), image.NewRGBA(image.Rect(0, 0, 31, 32))); err == nil {
		t.Error("31x32: no error")
	}
	if err := pixels(make([]float32, 10), image.NewRGBA(image.Rect(0, 0, 32, 32))); err == nil {
		t.Error("short buffer: no error")
	}
}

// TestYCbCrExhaustive runs all 2^24 (Y, Cb, Cr) triples through the fast
// path, 1024 at a time, against color.YCbCr.RGBA (about a second; skipped
// with -short).
func TestYCbCrExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("all 2^24 YCbCr values")
	}
	p := image.NewYCbCr(image.Rect(0, 0, 32, 32), image.YCbCrSubsampleRatio444)
	px := make([]float32, model.InputLen)
	for base := 0; base < 1<<24; base += 1024 {
		for i := range 1024 {
			v := base + i
			p.Y[i], p.Cb[i], p.Cr[i] = byte(v>>16), byte(v>>8), byte(v)
		}
		if err := pixels(px, p); err != nil {
			t.Fatal(err)
		}
		for i := range 1024 {
			r, g, b, _ := p.YCbCrAt(i%32, i/32).RGBA()
			if px[i] != unit[r>>8] || px[1024+i] != unit[g>>8] || px[2048+i] != unit[b>>8] {
				t.Fatalf("%v: got %v %v %v, RGBA gives %d %d %d", p.YCbCrAt(i%32, i/32), px[i], px[1024+i], px[2048+i], r>>8, g>>8, b>>8)
			}
		}
	}
}

// TestUnit: the lookup table holds model.Pixels' values.
func TestUnit(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	px := make([]float32, model.InputLen)
	if err := model.Pixels(px, img); err != nil {
		t.Fatal(err)
	}
	for v := range 256 {
		if unit[v] != px[v] {
			t.Fatalf("unit[%d] = %v, model.Pixels gives %v", v, unit[v], px[v])
		}
	}
}

func TestJPEGSize(t *testing.T) {
	img := randomImage(32, 32, 5, false)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if w, h, ok := jpegSize(data); !ok || w != 32 || h != 32 {
		t.Fatalf("jpegSize = %d, %d, %v", w, h, ok)
	}
	// A frame header claiming 65535x40000: refused before the decoder
	// would allocate 2.6 G pixels.
	sof := bytes.Index(data, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0 in the encoder's output")
	}
	huge := slices.Clone(data)
	copy(huge[sof+5:], []byte{0x9c, 0x40, 0xff, 0xff}) // height, width (T.81 B.2.2)
	err := decodeImage(huge, make([]float32, model.InputLen))
	if err == nil || !strings.Contains(err.Error(), "65535x40000") {
		t.Errorf("huge frame: %v", err)
	}
	// Fill bytes, extraneous bytes and an APP segment before the header.
	var odd []byte
	odd = append(odd, 0xff, 0xd8, 1, 2, 0xff, 0x00, 0xff, 0xff, 0xe1, 0, 4, 9, 9)
	odd = append(odd, data[2:]...)
	if w, h, ok := jpegSize(odd); !ok || w != 32 || h != 32 {
		t.Errorf("odd prefix: %d, %d, %v", w, h, ok)
	}
	if _, err := jpeg.Decode(bytes.NewReader(odd)); err != nil {
		t.Errorf("the decoder rejects the odd prefix (%v): the test no longer mirrors it", err)
	}
	for _, bad := range [][]byte{nil, {0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xda, 0, 2}, {0xff, 0xd8, 0xff, 0xd9}, data[:sof+4], {0xff, 0xd8, 0xff, 0x01, 0, 2}} {
		if _, _, ok := jpegSize(bad); ok {
			t.Errorf("% x: ok", bad)
		}
	}
}
