// Package framesim renders test images as camera frames, on the host, so
// the board's frame path (device/frame: decode, region of interest, area
// resize) can be scored on data with known labels: a 32x32 image is scaled
// up into part of a larger canvas, as an object fills part of a camera's
// view, blurred by a lens, sensor noise is added, and the frame is
// JPEG-encoded as a JPEG camera would send it. Everything is deterministic
// from a seed.
//
// The scene behind a 32x32 test image is unknown: the image is what its
// publisher's area-averaging downscale kept of a larger photo. Upscale
// chooses the scene a frame shows. Area (the default) takes the scene that
// is constant over each image pixel's square, so a focused camera's frame,
// averaged back over those squares as the board does, gives the image
// again up to the lens, the noise and the JPEG: what is measured is the
// board's path, not the simulator's. Bilinear takes a smooth scene, whose
// averages are the image blurred by about a third of a pixel each way: a
// camera out of focus by several of its own pixels.
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

	"github.com/edgecache/edgecache/tools/gauss"
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
	// Upscale is how the image becomes the scene the camera sees.
	Upscale Upscale
	// Lens is the standard deviation, in frame pixels, of the Gaussian
	// blur a lens in focus spreads each point of the scene over; 0 is a
	// perfect lens.
	Lens float64
	// Noise is the standard deviation of Gaussian sensor noise, in 8-bit
	// levels, drawn independently for every sample; 0 adds none.
	Noise float64
	// Quality is the JPEG quality, 1 to 100.
	Quality int
}

// Upscale names a scene behind an image (see the package comment).
type Upscale string

const (
	// Area: each image pixel is a uniform square of the scene; a frame
	// pixel is the mean of the squares it covers.
	Area Upscale = "area"
	// Bilinear: the scene interpolates linearly between pixel centres.
	Bilinear Upscale = "bilinear"
)

// DefaultOpts is a 320x240 camera (QVGA, the OV2640's and rpicam-vid's
// small mode) in focus (a lens blur of one frame pixel) looking at a
// centred image that fills the frame's height, with mild noise (2 levels:
// a small sensor in good light) and JPEG quality 85.
var DefaultOpts = Opts{Width: 320, Height: 240, Scale: 1, X: 0.5, Y: 0.5,
	Background: color.RGBA{128, 128, 128, 255}, Upscale: Area, Lens: 1, Noise: 2, Quality: 85}

// Check reports the first unusable setting.
func (o *Opts) Check() error {
	switch {
	case o.Width < 1 || o.Height < 1 || o.Width > 1<<14 || o.Height > 1<<14:
		return fmt.Errorf("framesim: frame size %dx%d, want 1 to 16384 a side", o.Width, o.Height)
	case !(o.Scale > 0 && o.Scale <= 1):
		return fmt.Errorf("framesim: scale %v, want (0, 1]", o.Scale)
	case !(o.X >= 0 && o.X <= 1 && o.Y >= 0 && o.Y <= 1):
		return fmt.Errorf("framesim: position %v,%v, want 0 to 1 each", o.X, o.Y)
	case o.Upscale != Area && o.Upscale != Bilinear:
		return fmt.Errorf("framesim: upscale %q, want %q or %q", o.Upscale, Area, Bilinear)
	case !(o.Lens >= 0 && o.Lens <= 64):
		return fmt.Errorf("framesim: lens blur %v, want 0 to 64 pixels", o.Lens)
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
// Place as o.Upscale says, the lens blur, then noise drawn from rng (nil:
// none).
func Render(src image.Image, o *Opts, rng *rand.Rand) (*image.RGBA, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	sb := src.Bounds()
	if sb.Empty() {
		return nil, errors.New("framesim: empty image")
	}
	// The frame as float RGB planes, so the lens blurs before rounding.
	w, h := o.Width, o.Height
	f := make([]float64, 3*w*h)
	bg := [3]float64{float64(o.Background.R), float64(o.Background.G), float64(o.Background.B)}
	for i := range w * h {
		copy(f[3*i:3*i+3], bg[:])
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
	var ax, ay [][]tap
	if o.Upscale == Bilinear {
		ax, ay = bilinearTaps(sw, p.Dx()), bilinearTaps(sh, p.Dy())
	} else {
		ax, ay = areaTaps(sw, p.Dx()), areaTaps(sh, p.Dy())
	}
	for dy, ty := range ay {
		for dx, tx := range ax {
			at := 3 * ((p.Min.Y+dy)*w + p.Min.X + dx)
			// Along x within each source row, then across rows: for
			// bilinear taps the same operations, in the same order, as
			// the renderer before the area scene (so its frames stay the
			// same bytes).
			var px [3]float64
			for _, yy := range ty {
				var row [3]float64
				for _, xx := range tx {
					i := 3 * (yy.i*sw + xx.i)
					for c := range 3 {
						row[c] += s[i+c] * xx.w
					}
				}
				for c := range 3 {
					px[c] += row[c] * yy.w
				}
			}
			copy(f[at:at+3], px[:])
		}
	}
	if o.Lens > 0 {
		blur(f, w, h, o.Lens)
	}
	// The light on the sensor is rounded to 8 bits before the noise is
	// added and rounded again: a negligible extra rounding that keeps
	// frames rendered before the lens existed (bilinear, lens 0) the same
	// bytes, so the studies made with them reproduce.
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			v := math.Round(f[3*i+c])
			if rng != nil && o.Noise > 0 {
				v = math.Round(v + rng.NormFloat64()*o.Noise)
			}
			dst.Pix[4*i+c] = uint8(math.Max(0, math.Min(255, v)))
		}
		dst.Pix[4*i+3] = 255
	}
	return dst, nil
}

// tap is one source sample's weight in a destination sample.
type tap struct {
	i int
	w float64
}

// areaTaps maps n destination samples onto src source samples by area:
// destination j covers [j, j+1)*src/n of the source, and each source
// sample it overlaps weighs by the overlap over the footprint.
func areaTaps(src, n int) [][]tap {
	step := float64(src) / float64(n)
	out := make([][]tap, n)
	for j := range out {
		lo, hi := float64(j)*step, min(float64(src), float64(j+1)*step)
		for i := int(lo); i < src && float64(i) < hi; i++ {
			if ov := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i)); ov > 0 {
				out[j] = append(out[j], tap{i, ov / step})
			}
		}
	}
	return out
}

// bilinearTaps aligns pixel centres: destination centre j+0.5 maps to
// source (j+0.5)*src/n - 0.5, clamped at the edges.
func bilinearTaps(src, n int) [][]tap {
	step := float64(src) / float64(n)
	out := make([][]tap, n)
	for j := range out {
		u := math.Max(0, math.Min(float64(src-1), (float64(j)+0.5)*step-0.5))
		i0 := int(u)
		i1, wt := min(i0+1, src-1), u-float64(i0)
		out[j] = []tap{{i0, 1 - wt}, {i1, wt}}
	}
	return out
}

// blur convolves the RGB planes f (w x h) with a Gaussian of standard
// deviation sigma pixels, cut at 3 sigma and renormalised, edges clamped:
// rows, then columns.
func blur(f []float64, w, h int, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := gauss.Kernel(sigma, r)
	line := make([]float64, 3*max(w, h))
	pass := func(n, count int, at func(line, pos int) int) {
		for l := range count {
			for p := range n {
				copy(line[3*p:3*p+3], f[at(l, p):at(l, p)+3])
			}
			for p := range n {
				var acc [3]float64
				for t, kt := range k {
					q := 3 * min(n-1, max(0, p+t-r))
					acc[0] += kt * line[q]
					acc[1] += kt * line[q+1]
					acc[2] += kt * line[q+2]
				}
				copy(f[at(l, p):at(l, p)+3], acc[:])
			}
		}
	}
	pass(w, h, func(y, x int) int { return 3 * (y*w + x) })
	pass(h, w, func(x, y int) int { return 3 * (y*w + x) })
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
