// Package framesim renders test images as camera frames, on the host, so
// the board's frame path (device/frame: decode, region of interest, area
// resize) can be scored on data with known labels: a 32x32 image is scaled
// up into part of a larger canvas, as an object fills part of a camera's
// view, sensor noise is added, and the frame is JPEG-encoded as a JPEG
// camera would send it. Everything is deterministic from a seed.
package framesim

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
)

// Opts describes the simulated camera.
type Opts struct {
	// Width and Height are the frame's size in pixels.
	Width, Height int
	// Scale is the image's side as a fraction of the frame's shorter side:
	// 1 fills the centred largest square exactly (the board's default
	// region of interest), less leaves background around it.
	Scale float64
	// X and Y place the image in the room left around it: 0 at the left
	// (top), 0.5 centred, 1 at the right (bottom).
	X, Y float64
	// Background fills the frame outside the image.
	Background color.RGBA
	// Noise is the standard deviation of Gaussian sensor noise, in 8-bit
	// levels, drawn independently for every sample; 0 adds none.
	Noise float64
	// Quality is the JPEG quality, 1 to 100.
	Quality int
}

// DefaultOpts is a 320x240 camera (QVGA, the OV2640's and rpicam-vid's
// small mode) looking at a centred image that fills the frame's height,
// with mild noise (2 levels: a small sensor in good light) and JPEG
// quality 85.
var DefaultOpts = Opts{Width: 320, Height: 240, Scale: 1, X: 0.5, Y: 0.5,
	Background: color.RGBA{128, 128, 128, 255}, Noise: 2, Quality: 85}

// Check reports the first unusable setting.
func (o *Opts) Check() error {
	switch {
	case o.Width < 1 || o.Height < 1 || o.Width > 1<<14 || o.Height > 1<<14:
		return fmt.Errorf("framesim: frame size %dx%d, want 1 to 16384 a side", o.Width, o.Height)
	case !(o.Scale > 0 && o.Scale <= 1):
		return fmt.Errorf("framesim: scale %v, want (0, 1]", o.Scale)
	case !(o.X >= 0 && o.X <= 1 && o.Y >= 0 && o.Y <= 1):
		return fmt.Errorf("framesim: position %v,%v, want 0 to 1 each", o.X, o.Y)
	case !(o.Noise >= 0 && o.Noise < 256):
		return fmt.Errorf("framesim: noise %v, want 0 to 255 levels", o.Noise)
	case o.Quality < 1 || o.Quality > 100:
		return fmt.Errorf("framesim: JPEG quality %d, want 1 to 100", o.Quality)
	}
	return nil
}

// Place is where the image lands in the frame.
func (o *Opts) Place() image.Rectangle {
	s := max(1, int(math.Round(o.Scale*float64(min(o.Width, o.Height)))))
	x := int(math.Round(o.X * float64(o.Width-s)))
	y := int(math.Round(o.Y * float64(o.Height-s)))
	return image.Rect(x, y, x+s, y+s)
}

// Render draws src into a new frame: background, the image scaled into
// Place by bilinear interpolation (as a lens spreads a scene over many
// pixels: smooth, not blocky), then noise drawn from rng (nil: none).
func Render(src image.Image, o *Opts, rng *rand.Rand) (*image.RGBA, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	sb := src.Bounds()
	if sb.Empty() {
		return nil, errors.New("framesim: empty image")
	}
	dst := image.NewRGBA(image.Rect(0, 0, o.Width, o.Height))
	bg := o.Background
	bg.A = 255
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = bg.R, bg.G, bg.B, 255
	}
	// The source as float RGB, read once.
	sw, sh := sb.Dx(), sb.Dy()
	s := make([]float64, 3*sw*sh)
	for y := range sh {
		for x := range sw {
			r, g, b, _ := src.At(sb.Min.X+x, sb.Min.Y+y).RGBA()
			i := 3 * (y*sw + x)
			s[i], s[i+1], s[i+2] = float64(r>>8), float64(g>>8), float64(b>>8)
		}
	}
	p := o.Place()
	// Pixel centres aligned: destination centre d+0.5 maps to source
	// (d+0.5)*sw/pw - 0.5, clamped at the edges.
	fx, fy := float64(sw)/float64(p.Dx()), float64(sh)/float64(p.Dy())
	for dy := range p.Dy() {
		v := math.Max(0, math.Min(float64(sh-1), (float64(dy)+0.5)*fy-0.5))
		y0 := int(v)
		y1, wy := min(y0+1, sh-1), v-float64(y0)
		for dx := range p.Dx() {
			u := math.Max(0, math.Min(float64(sw-1), (float64(dx)+0.5)*fx-0.5))
			x0 := int(u)
			x1, wx := min(x0+1, sw-1), u-float64(x0)
			o := dst.PixOffset(p.Min.X+dx, p.Min.Y+dy)
			for c := range 3 {
				a := s[3*(y0*sw+x0)+c]*(1-wx) + s[3*(y0*sw+x1)+c]*wx
				b := s[3*(y1*sw+x0)+c]*(1-wx) + s[3*(y1*sw+x1)+c]*wx
				dst.Pix[o+c] = uint8(math.Round(a*(1-wy) + b*wy))
			}
		}
	}
	if rng != nil && o.Noise > 0 {
		for i := 0; i < len(dst.Pix); i++ {
			if i%4 == 3 {
				continue
			}
			v := float64(dst.Pix[i]) + rng.NormFloat64()*o.Noise
			dst.Pix[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return dst, nil
}

// Frame renders src with noise from seed and writes it to w as a JPEG.
func Frame(w io.Writer, src image.Image, o *Opts, seed uint64) error {
	img, err := Render(src, o, rand.New(rand.NewPCG(seed, 0x6672616d65)))
	if err != nil {
		return err
	}
	if err := jpeg.Encode(w, img, &jpeg.Options{Quality: o.Quality}); err != nil {
		return fmt.Errorf("framesim: %w", err)
	}
	return nil
}

// FramePNG is Frame written as a PNG: no JPEG loss, for a baseline of the
// same images the way a lossless camera would give them.
func FramePNG(w io.Writer, src image.Image, o *Opts, seed uint64) error {
	img, err := Render(src, o, rand.New(rand.NewPCG(seed, 0x6672616d65)))
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("framesim: %w", err)
	}
	return nil
}
