//go:build linux

package uvc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/blackjack/webcam"

	"github.com/edgecache/edgecache/device"
)

// Opts configures a webcam.
type Opts struct {
	// Format is device.JPEG (MJPEG), device.YUYV, or device.None for MJPEG
	// when the camera has it, else YUYV.
	Format device.Format
	// Width and Height are the smallest frame wanted; 0 means 320x240.
	Width, Height int
	// Timeout is how long Next waits for a frame before reporting the
	// camera silent; 0 means 5 s.
	Timeout time.Duration
}

// Dev is an open, streaming webcam.
type Dev struct {
	path string
	cam  *webcam.Webcam
	mode Mode
	opts Opts

	mu  sync.Mutex
	buf []byte
	seq uint64
}

var _ device.Source = (*Dev)(nil)

// New opens a V4L2 device (/dev/video0), sets its mode and starts it.
func New(path string, opts *Opts) (*Dev, error) {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("uvc: %s: %w", path, err)
	}
	formats := map[uint32]string{}
	for f, d := range cam.GetSupportedFormats() {
		formats[uint32(f)] = d
	}
	sizes := func(cc uint32) []Size {
		var out []Size
		for _, s := range cam.GetSupportedFrameSizes(webcam.PixelFormat(cc)) {
			out = append(out, Size(s))
		}
		return out
	}
	mode, err := Choose(formats, sizes, o.Format, o.Width, o.Height)
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	if _, _, _, err := cam.SetImageFormat(webcam.PixelFormat(mode.FourCC), uint32(mode.Width), uint32(mode.Height)); err != nil {
		cam.Close()
		return nil, fmt.Errorf("uvc: %s: set %s %dx%d: %w", path, fourCC(mode.FourCC), mode.Width, mode.Height, err)
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("uvc: %s: start: %w", path, err)
	}
	return &Dev{path: path, cam: cam, mode: mode, opts: o}, nil
}

// Mode is the format and size the camera streams.
func (d *Dev) Mode() Mode { return d.mode }

func (d *Dev) String() string {
	return fmt.Sprintf("uvc(%s, %s %dx%d)", d.path, fourCC(d.mode.FourCC), d.mode.Width, d.mode.Height)
}

// Close stops streaming and closes the device.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cam.Close()
}

// Next waits for a frame (checking ctx every 100 ms) and copies it out of
// the driver's buffer, which goes straight back to the driver. Frame.Data
// is reused by the next call.
func (d *Dev) Next(ctx context.Context) (device.Frame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	deadline := time.Now().Add(d.opts.Timeout)
	for {
		if err := ctx.Err(); err != nil {
			return device.Frame{}, err
		}
		err := d.cam.WaitForFrame(100)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			if time.Now().After(deadline) {
				return device.Frame{}, fmt.Errorf("uvc: %s: no frame for %v", d.path, d.opts.Timeout)
			}
			continue
		}
		if err != nil {
			return device.Frame{}, fmt.Errorf("uvc: %s: wait: %w", d.path, err)
		}
		data, index, err := d.cam.GetFrame()
		if err != nil {
			return device.Frame{}, fmt.Errorf("uvc: %s: read: %w", d.path, err)
		}
		d.buf = append(d.buf[:0], data...)
		if err := d.cam.ReleaseFrame(index); err != nil {
			return device.Frame{}, fmt.Errorf("uvc: %s: requeue: %w", d.path, err)
		}
		if len(d.buf) == 0 {
			continue // the driver's empty frame: a dropped one
		}
		f := device.Frame{Data: d.buf, Format: d.mode.Format, Width: d.mode.Width, Height: d.mode.Height,
			Seq: d.seq, Time: time.Now(), Name: d.path}
		d.seq++
		if f.Format == device.YUYV {
			if f.Stride, err = rawStride(len(d.buf), f.Width, f.Height, 2); err != nil {
				return device.Frame{}, err
			}
		}
		return f, nil
	}
}
