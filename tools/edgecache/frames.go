package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/framesim"
)

func init() {
	register("frames", "render a data set's images as camera frames (scaled into a larger canvas, sensor noise, JPEG), an ImageFolder tree to replay", runFrames)
}

func runFrames(args []string, stdout io.Writer) error {
	d := framesim.DefaultOpts
	fs := newFlags("frames", "-data DIR -o DIR [-split test] [-size 320x240] [-scale 1] [-upscale area] [-lens 1] [-noise 2] [-quality 85] [-seed 1] [-limit N]")
	data := fs.String("data", "", "data set: an ImageFolder root or a CIFAR binary folder")
	split := fs.String("split", "test", "which images: test, train, val or fit")
	out := fs.String("o", "", "output folder: written as OUT/<class>/NNNN.jpg, which the board's replay camera scores")
	size := fs.String("size", fmt.Sprintf("%dx%d", d.Width, d.Height), "frame size WIDTHxHEIGHT")
	scale := fs.Float64("scale", d.Scale, "image side as a fraction of the frame's shorter side (1: it fills the centred square the board crops)")
	x := fs.Float64("x", d.X, "horizontal place in the room left around the image: 0 left, 0.5 centred, 1 right")
	y := fs.Float64("y", d.Y, "vertical place: 0 top, 0.5 centred, 1 bottom")
	bg := fs.String("bg", "808080", "background colour outside the image, hex RRGGBB")
	upscale := fs.String("upscale", string(d.Upscale), "the scene behind each image: area (uniform squares: a camera in focus) or bilinear (smooth: out of focus)")
	lens := fs.Float64("lens", d.Lens, "lens blur, standard deviation in frame pixels (0: none)")
	noise := fs.Float64("noise", d.Noise, "Gaussian sensor noise, standard deviation in 8-bit levels")
	quality := fs.Int("quality", d.Quality, "JPEG quality, 1 to 100")
	asPNG := fs.Bool("png", false, "write lossless PNG frames instead of JPEG (with -size 32x32 -noise 0: the images as they are)")
	seed := fs.Uint64("seed", 1, "noise seed: image i uses seed+i, so a frame is the same whatever -limit")
	limit := fs.Int("limit", 0, "render only the first N images (0: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	o := framesim.Opts{Scale: *scale, X: *x, Y: *y, Upscale: framesim.Upscale(*upscale), Lens: *lens, Noise: *noise, Quality: *quality}
	var err error
	if o.Width, o.Height, err = parseSize(*size); err != nil {
		return usagef("-size: %v", err)
	}
	if o.Background, err = parseRGB(*bg); err != nil {
		return usagef("-bg: %v", err)
	}
	if err := o.Check(); err != nil {
		return usagef("%v", err)
	}
	set, err := dataset.Open(*data, *split)
	if err != nil {
		return err
	}
	if *limit > 0 {
		set = set.Limit(*limit)
	}
	classes := set.Classes()
	pixels := make([]float32, model.InputLen)
	img := image.NewRGBA(image.Rect(0, 0, model.InputSize, model.InputSize))
	count := map[int]int{}
	var buf bytes.Buffer
	bar := newProgress(set.Len(), "frames")
	for i := range set.Len() {
		if err := set.Load(i, pixels); err != nil {
			return err
		}
		toRGBA(img, pixels)
		buf.Reset()
		write, ext := framesim.Frame, "jpg"
		if *asPNG {
			write, ext = framesim.FramePNG, "png"
		}
		if err := write(&buf, img, &o, *seed+uint64(i)); err != nil {
			return err
		}
		l := set.Label(i)
		class := strconv.Itoa(l)
		if l < len(classes) {
			class = classes[l]
		}
		dir := filepath.Join(*out, class)
		if count[l] == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.%s", count[l], ext)), buf.Bytes(), 0o644); err != nil {
			return err
		}
		count[l]++
		bar.add(1)
	}
	took := bar.done()
	fmt.Fprintf(stdout, "%d frames of %dx%d (image %v, %s scene, lens %g, noise %g, JPEG quality %d) from %s %s in %s, %.1fs\n",
		set.Len(), o.Width, o.Height, o.Place(), o.Upscale, o.Lens, o.Noise, o.Quality, *data, *split, *out, took.Seconds())
	return nil
}

// toRGBA writes [0, 1] CHW pixels back as 8-bit samples (exact for images
// read from 8-bit files).
func toRGBA(img *image.RGBA, px []float32) {
	const plane = model.InputSize * model.InputSize
	for i := range plane {
		for c := range 3 {
			img.Pix[4*i+c] = uint8(math.Round(float64(px[c*plane+i]) * 255))
		}
		img.Pix[4*i+3] = 255
	}
}

func parseSize(s string) (w, h int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		if w, err = strconv.Atoi(a); err == nil {
			h, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || w < 1 || h < 1 {
		return 0, 0, fmt.Errorf("%q: want WIDTHxHEIGHT, e.g. 320x240", s)
	}
	return w, h, nil
}

func parseRGB(s string) (color.RGBA, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(strings.TrimPrefix(s, "#")) != 6 {
		return color.RGBA{}, fmt.Errorf("%q: want hex RRGGBB", s)
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
}
