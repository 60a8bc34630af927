package framesim_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
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
	for _, up := range []framesim.Upscale{framesim.Area, framesim.Bilinear} {
		o := framesim.DefaultOpts
		o.Width, o.Height, o.Noise, o.Lens, o.Upscale = 32, 32, 0, 0, up
		got, err := framesim.Render(src, &o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got.Pix {
			if i%4 != 3 && got.Pix[i] != src.Pix[i] {
				t.Fatalf("%s: 32x32 into 32x32 changed sample %d: %d, want %d", up, i, got.Pix[i], src.Pix[i])
			}
		}
	}
	// A flat image scaled into the left of a wide frame: flat inside,
	// background outside.
	flat := flatImage(color.RGBA{10, 200, 30, 255})
	o := framesim.DefaultOpts
	o.Noise, o.Lens, o.X, o.Scale = 0, 0, 0, 0.5
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
		func(o *framesim.Opts) { o.Lens = -1 },
		func(o *framesim.Opts) { o.Upscale = "nearest" },
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

// TestAreaScene: a focused camera's frame of the area scene, averaged back
// over the image pixels' squares (8x here, so every square is whole
// frame pixels), gives the image again; the bilinear scene's averages
// are the image blurred.
func TestAreaScene(t *testing.T) {
	src := testImage()
	back := func(up framesim.Upscale) (worst float64) {
		o := framesim.DefaultOpts
		o.Width, o.Height, o.Noise, o.Lens, o.Upscale = 256, 256, 0, 0, up
		f, err := framesim.Render(src, &o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for y := range 32 {
			for x := range 32 {
				for c := range 3 {
					var sum float64
					for dy := range 8 {
						for dx := range 8 {
							sum += float64(f.Pix[f.PixOffset(8*x+dx, 8*y+dy)+c])
						}
					}
					worst = max(worst, math.Abs(sum/64-float64(src.Pix[src.PixOffset(x, y)+c])))
				}
			}
		}
		return worst
	}
	if d := back(framesim.Area); d != 0 {
		t.Errorf("area scene averaged back differs from the image by up to %v levels", d)
	}
	if d := back(framesim.Bilinear); d < 10 {
		t.Errorf("bilinear scene averaged back within %v levels of random pixels: no blur?", d)
	}
}

// TestLens: the lens keeps a flat frame flat and spreads an edge over
// about sigma pixels each side.
func TestLens(t *testing.T) {
	half := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			v := uint8(0)
			if x >= 16 {
				v = 200
			}
			half.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	o := framesim.DefaultOpts
	o.Width, o.Height, o.Noise, o.Lens = 320, 320, 0, 2
	f, err := framesim.Render(half, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(x int) uint8 { return f.RGBAAt(x, 100).R }
	if at(0) != 0 || at(319) != 200 || at(140) != 0 || at(180) != 200 {
		t.Errorf("far from the edge: %d %d %d %d, want 0 200 0 200", at(0), at(319), at(140), at(180))
	}
	if v := at(159); v < 60 || v > 100 {
		t.Errorf("at the edge %d, want about 80 (half of 200, less a sample's worth)", v)
	}
	if at(156) == 0 || at(163) == 200 {
		t.Errorf("edge not spread: %d, %d", at(156), at(163))
	}
}
