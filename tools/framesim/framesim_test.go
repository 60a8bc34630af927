package framesim_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/tools/framesim"
)

func testImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	return img
}

func TestRenderIdentityAndPlace(t *testing.T) {
	src := testImage()
	o := framesim.DefaultOpts
	o.Width, o.Height, o.Noise = 32, 32, 0
	got, err := framesim.Render(src, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Pix {
		if i%4 != 3 && got.Pix[i] != src.Pix[i] {
			t.Fatalf("32x32 into 32x32 changed sample %d: %d, want %d", i, got.Pix[i], src.Pix[i])
		}
	}
	// A flat image scaled into the left of a wide frame: flat inside,
	// background outside.
	flat := flatImage(color.RGBA{10, 200, 30, 255})
	o = framesim.DefaultOpts
	o.Noise, o.X, o.Scale = 0, 0, 0.5
	o.Background = color.RGBA{1, 2, 3, 255}
	p := o.Place()
	if p != image.Rect(0, 60, 120, 180) {
		t.Errorf("place %v", p)
	}
	img, err := framesim.Render(flat, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range []image.Point{{0, 60}, {119, 179}, {60, 100}} {
		if c := img.RGBAAt(pt.X, pt.Y); c != (color.RGBA{10, 200, 30, 255}) {
			t.Errorf("inside at %v: %v", pt, c)
		}
	}
	for _, pt := range []image.Point{{120, 60}, {0, 59}, {319, 239}} {
		if c := img.RGBAAt(pt.X, pt.Y); c != (color.RGBA{1, 2, 3, 255}) {
			t.Errorf("outside at %v: %v", pt, c)
		}
	}
}

func TestFrameDeterministicAndNoisy(t *testing.T) {
	src := testImage()
	o := framesim.DefaultOpts
	var a, b, c bytes.Buffer
	for _, x := range []struct {
		w    *bytes.Buffer
		seed uint64
	}{{&a, 7}, {&b, 7}, {&c, 8}} {
		if err := framesim.Frame(x.w, src, &o, x.seed); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different frames")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds, same frame: no noise?")
	}
	img, err := jpeg.Decode(&a)
	if err != nil || img.Bounds() != image.Rect(0, 0, 320, 240) {
		t.Fatalf("decoded %v, %v", img.Bounds(), err)
	}
	// Noise of sigma 20 on flat grey: the sample spread shows it.
	o.Noise, o.Quality = 20, 100
	r, err := framesim.Render(flatImage(color.RGBA{128, 128, 128, 255}), &o, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var sum, sq float64
	n := 0
	for i, v := range r.Pix {
		if i%4 != 3 {
			d := float64(v) - 128
			sum, sq, n = sum+d, sq+d*d, n+1
		}
	}
	if mean, sd := sum/float64(n), sq/float64(n); mean*mean > 0.1 || sd < 18*18 || sd > 22*22 {
		t.Errorf("noise mean %v variance %v, want 0 and 400", mean, sd)
	}
}

func TestBadOpts(t *testing.T) {
	src := testImage()
	for _, mod := range []func(*framesim.Opts){
		func(o *framesim.Opts) { o.Width = 0 },
		func(o *framesim.Opts) { o.Scale = 0 },
		func(o *framesim.Opts) { o.Scale = 1.5 },
		func(o *framesim.Opts) { o.X = -0.1 },
		func(o *framesim.Opts) { o.Noise = -1 },
		func(o *framesim.Opts) { o.Quality = 0 },
	} {
		o := framesim.DefaultOpts
		mod(&o)
		if _, err := framesim.Render(src, &o, nil); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	o := framesim.DefaultOpts
	if _, err := framesim.Render(image.NewRGBA(image.Rectangle{}), &o, nil); err == nil {
		t.Error("empty image accepted")
	}
}

func flatImage(c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}
