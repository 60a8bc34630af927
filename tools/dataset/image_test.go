package dataset

import (
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
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

// TestYCbCrExhaustive compares ycbcr with color.YCbCr.RGBA on all 2^24
// inputs (about a second; skipped with -short).
func TestYCbCrExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("all 2^24 YCbCr values")
	}
	for y := range 256 {
		for cb := range 256 {
			for cr := range 256 {
				c := color.YCbCr{uint8(y), uint8(cb), uint8(cr)}
				r, g, b, _ := c.RGBA()
				fr, fg, fb := ycbcr(c.Y, c.Cb, c.Cr)
				if fr != unit[r>>8] || fg != unit[g>>8] || fb != unit[b>>8] {
					t.Fatalf("%v: got %v %v %v, RGBA gives %d %d %d", c, fr, fg, fb, r>>8, g>>8, b>>8)
				}
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
