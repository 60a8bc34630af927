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
	"github.com/edgecache/edgecache/device/mjpeg"
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

// camera is what a Dev uses of *webcam.Webcam, so tests stand in for a
// V4L2 device.
type camera interface {
	GetSupportedFormats() map[webcam.PixelFormat]string
	GetSupportedFrameSizes(webcam.PixelFormat) []webcam.FrameSize
	SetImageFormat(webcam.PixelFormat, uint32, uint32) (webcam.PixelFormat, uint32, uint32, error)
	StartStreaming() error
	WaitForFrame(timeout uint32) error
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(index uint32) error
	Close() error
}

var _ camera = (*webcam.Webcam)(nil)

// Dev is an open, streaming webcam.
type Dev struct {
	path string
	cam  camera
	mode Mode
	opts Opts

	mu  sync.Mutex
	buf []byte // the frame as the driver gave it
	fix []byte // an MJPEG frame with the Huffman tables it implies
	seq uint64
}

var _ device.Source = (*Dev)(nil)

// New opens a V4L2 device (/dev/video0), sets its mode and starts it.
func New(path string, opts *Opts) (*Dev, error) {
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("uvc: %s: %w", path, err)
	}
	return start(path, cam, opts)
}

// start chooses and sets the mode of an open camera and starts streaming;
// on error it closes cam.
func start(path string, cam camera, opts *Opts) (*Dev, error) {
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
	// VIDIOC_S_FMT may adjust the request to what the driver can do (Linux
	// media documentation, "ioctl VIDIOC_G_FMT, VIDIOC_S_FMT"): the frames
	// come in the format and size it returns.
	cc, w, h, err := cam.SetImageFormat(webcam.PixelFormat(mode.FourCC), uint32(mode.Width), uint32(mode.Height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("uvc: %s: set %s %dx%d: %w", path, fourCC(mode.FourCC), mode.Width, mode.Height, err)
	}
	if uint32(cc) != mode.FourCC || w < 1 || h < 1 || w > maxSide || h > maxSide {
		cam.Close()
		return nil, fmt.Errorf("uvc: %s: asked for %s %dx%d, the driver set %s %dx%d", path,
			fourCC(mode.FourCC), mode.Width, mode.Height, fourCC(uint32(cc)), w, h)
	}
	mode.Width, mode.Height = int(w), int(h)
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
		if len(d.buf) == 0 { // the driver's empty frame: a dropped one
			if time.Now().After(deadline) {
				return device.Frame{}, fmt.Errorf("uvc: %s: only empty frames for %v", d.path, d.opts.Timeout)
			}
			continue
		}
		f := device.Frame{Data: d.buf, Format: d.mode.Format, Width: d.mode.Width, Height: d.mode.Height,
			Seq: d.seq, Time: time.Now(), Name: d.path}
		d.seq++
		switch f.Format {
		case device.YUYV:
			if f.Stride, err = rawStride(len(d.buf), f.Width, f.Height, 2); err != nil {
				return device.Frame{}, fmt.Errorf("uvc: %s: %w", d.path, err)
			}
		case device.JPEG:
			// Many webcams leave the Huffman tables out of MJPEG frames.
			// AddHuffman returns d.buf itself when it has them.
			if out := mjpeg.AddHuffman(d.fix, d.buf); len(out) != len(d.buf) {
				d.fix, f.Data = out, out
			}
		}
		return f, nil
	}
}
