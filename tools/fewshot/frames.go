package fewshot

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/framesim"
	"github.com/edgecache/edgecache/tools/keys"
)

// Frames shows the images of Src as a board's camera would: each is
// rendered into a frame by tools/framesim (scaled into the canvas, sensor
// noise, JPEG) and the frame turned into the network's input by the board's
// converter (device/frame, with the bundle's region of interest). Image i's
// noise comes from Seed+i, so a frame is the same whichever images are
// chosen. Load is safe for concurrent use (keys.Run decodes on several
// goroutines).
type Frames struct {
	Src  keys.Images
	Sim  framesim.Opts
	Conv frame.Opts
	Seed uint64

	pool sync.Pool
}

type frameWork struct {
	conv   *frame.Converter
	pixels []float32
	img    *image.RGBA
	buf    bytes.Buffer
}

// Len is Src's length.
func (f *Frames) Len() int { return f.Src.Len() }

// Label is Src's label.
func (f *Frames) Label(i int) int { return f.Src.Label(i) }

// Load renders image i as a frame and writes the board's input of it into dst.
func (f *Frames) Load(i int, dst []float32) error {
	w, _ := f.pool.Get().(*frameWork)
	if w == nil {
		conv, err := frame.New(&f.Conv)
		if err != nil {
			return fmt.Errorf("fewshot: %w", err)
		}
		if conv.Size() != model.InputSize {
			return fmt.Errorf("fewshot: the frame converter makes %dx%d, the network takes %dx%d", conv.Size(), conv.Size(), model.InputSize, model.InputSize)
		}
		w = &frameWork{conv: conv, pixels: make([]float32, model.InputLen),
			img: image.NewRGBA(image.Rect(0, 0, model.InputSize, model.InputSize))}
	}
	defer f.pool.Put(w)
	if err := f.Src.Load(i, w.pixels); err != nil {
		return err
	}
	toRGBA(w.img, w.pixels)
	w.buf.Reset()
	if err := framesim.Frame(&w.buf, w.img, &f.Sim, f.Seed+uint64(i)); err != nil {
		return err
	}
	fr := device.Frame{Data: w.buf.Bytes(), Format: device.JPEG, Width: f.Sim.Width, Height: f.Sim.Height}
	if err := w.conv.Pixels(dst, fr); err != nil {
		return fmt.Errorf("fewshot: frame of image %d: %w", i, err)
	}
	return nil
}

// toRGBA writes [0, 1] CHW pixels back as 8-bit samples (exact for images
// read from 8-bit files, as model.Pixels divides by 255).
func toRGBA(img *image.RGBA, px []float32) {
	const plane = model.InputSize * model.InputSize
	for i := range plane {
		for c := range 3 {
			img.Pix[4*i+c] = uint8(math.Round(float64(px[c*plane+i]) * 255))
		}
		img.Pix[4*i+3] = 255
	}
}
