package main

import (
	"fmt"
	"image"
	"strconv"
	"strings"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
	"github.com/edgecache/edgecache/device/mjpeg"
	"github.com/edgecache/edgecache/device/replay"
	"github.com/edgecache/edgecache/device/uvc"
)

// cameraSpec is a parsed -camera value: KIND[:ARG][,key=value...].
type cameraSpec struct {
	kind string
	arg  string            // replay's folder, uvc's device node
	opts map[string]string // key=value settings
}

// cameraKinds lists what -camera takes, for errors.
const cameraKinds = "replay:DIR, arducam:spi=...,i2c=..., arducam-sim:DIR, rpicam[:size=WxH,fps=N], uvc:/dev/videoN[,...], mjpeg:FILE|-"

func parseCamera(s string) (cameraSpec, error) {
	if s == "" {
		return cameraSpec{}, fmt.Errorf("no camera: give -camera (%s)", cameraKinds)
	}
	kind, rest, _ := strings.Cut(s, ":")
	cs := cameraSpec{kind: kind, opts: map[string]string{}}
	if kind == "replay" || kind == "arducam-sim" {
		// A folder may hold commas: the whole rest is the path.
		cs.arg = rest
		if rest == "" {
			return cs, fmt.Errorf("camera %q: give the folder (%s:DIR)", s, kind)
		}
		return cs, nil
	}
	for i, part := range strings.Split(rest, ",") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if i == 0 {
				cs.arg = part
				continue
			}
			return cs, fmt.Errorf("camera %q: %q is not key=value", s, part)
		}
		cs.opts[k] = v
	}
	return cs, nil
}

// take removes and returns option k (def when absent).
func (cs *cameraSpec) take(k, def string) string {
	v, ok := cs.opts[k]
	if !ok {
		return def
	}
	delete(cs.opts, k)
	return v
}

// leftover refuses options the camera kind does not know.
func (cs *cameraSpec) leftover() error {
	for k := range cs.opts {
		return fmt.Errorf("camera %s: unknown setting %q", cs.kind, k)
	}
	return nil
}

// needsHost tells whether the program uses the board's buses or pins: the
// ArduCAM's SPI and I2C, the LED's or the button's GPIO (periph's host
// drivers must be loaded first, or their names are not found).
func (c *config) needsHost(cs cameraSpec) bool {
	return cs.kind == "arducam" || c.LED != "" || c.Button != ""
}

func parseSize(s string) (image.Point, error) {
	w, h, ok := strings.Cut(s, "x")
	x, err1 := strconv.Atoi(w)
	y, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || x <= 0 || y <= 0 {
		return image.Point{}, fmt.Errorf("size %q: want WxH such as 320x240", s)
	}
	return image.Pt(x, y), nil
}

// openCamera opens the camera cs names. closers release what it opened
// beyond the source itself (the buses: the application owns them). On
// error the source is nil.
func openCamera(cs cameraSpec, cfg *config) (device.Source, []func() error, error) {
	src, closers, err := openSource(cs, cfg)
	if err != nil {
		// A typed nil pointer must not pass for a camera.
		return nil, closers, err
	}
	return src, closers, nil
}

func openSource(cs cameraSpec, cfg *config) (device.Source, []func() error, error) {
	switch cs.kind {
	case "replay":
		// JPEG files are handed over undecoded, as a camera's are, so the
		// board's decoder is the one measured.
		opts := replay.Opts{Loop: cfg.Loop, RawJPEG: true}
		if cfg.FPS > 0 {
			opts.Interval = time.Duration(float64(time.Second) / cfg.FPS)
		}
		src, err := replay.New(cs.arg, &opts)
		return src, nil, err
	case "arducam", "arducam-sim":
		var (
			port    spi.Port
			bus     i2c.Bus
			closers []func() error
			opts    = arducam.DefaultOpts
		)
		if cs.kind == "arducam-sim" {
			// The simulated module (device/arducam/arducamtest) fed with a
			// folder's images: the whole driver runs, register protocol and
			// all, where no camera is attached (tests, qemu, demos).
			sim, err := arducamtest.NewFromDir(cs.arg)
			if err != nil {
				return nil, nil, err
			}
			port, bus = sim.SPI(), sim.I2C()
		} else {
			var err error
			sp, err := spireg.Open(cs.take("spi", ""))
			if err != nil {
				return nil, nil, fmt.Errorf("arducam: SPI port: %w", err)
			}
			closers = append(closers, sp.Close)
			ib, err := i2creg.Open(cs.take("i2c", ""))
			if err != nil {
				sp.Close()
				return nil, nil, fmt.Errorf("arducam: I2C bus: %w", err)
			}
			closers = append(closers, ib.Close)
			port, bus = sp, ib
			if s := cs.take("size", ""); s != "" {
				if opts.Size, err = parseSize(s); err != nil {
					return nil, closers, fmt.Errorf("arducam: %w", err)
				}
			}
			switch f := cs.take("format", "jpeg"); f {
			case "jpeg":
				opts.Format = device.JPEG
			case "rgb565":
				opts.Format = device.RGB565BE
			default:
				return nil, closers, fmt.Errorf("arducam: format %q (jpeg or rgb565)", f)
			}
			if err := cs.leftover(); err != nil {
				return nil, closers, err
			}
		}
		dev, err := arducam.New(port, bus, &opts)
		return dev, closers, err
	case "rpicam":
		// A Pi camera module (CSI) through rpicam-vid's MJPEG on a pipe: Go
		// binaries cannot link libcamera, and this is how Raspberry Pi OS
		// reaches the camera from other programs.
		opts := mjpeg.PipeOpts{}
		if s := cs.take("size", ""); s != "" {
			sz, err := parseSize(s)
			if err != nil {
				return nil, nil, fmt.Errorf("rpicam: %w", err)
			}
			opts.Width, opts.Height = sz.X, sz.Y
		}
		if v := cs.take("fps", ""); v != "" {
			fps, err := strconv.Atoi(v)
			if err != nil || fps < 1 {
				return nil, nil, fmt.Errorf("rpicam: fps %q", v)
			}
			opts.FPS = fps
		}
		if cmd := cs.take("cmd", ""); cmd != "" {
			// Another MJPEG program, e.g. libcamera-vid on older systems;
			// its words are separated by spaces.
			opts.Command = strings.Fields(cmd)
		}
		if err := cs.leftover(); err != nil {
			return nil, nil, err
		}
		src, err := mjpeg.NewPipe(&opts)
		return src, nil, err
	case "mjpeg":
		// A recorded MJPEG stream from a file, a named pipe or stdin ("-").
		if err := cs.leftover(); err != nil {
			return nil, nil, err
		}
		src, err := openRecording(cs.arg)
		return src, nil, err
	case "uvc":
		// A USB webcam through V4L2.
		path := cs.arg
		if path == "" {
			path = "/dev/video0"
		}
		opts := uvc.Opts{}
		if s := cs.take("size", ""); s != "" {
			sz, err := parseSize(s)
			if err != nil {
				return nil, nil, fmt.Errorf("uvc: %w", err)
			}
			opts.Width, opts.Height = sz.X, sz.Y
		}
		switch f := cs.take("format", ""); f {
		case "":
		case "mjpeg":
			opts.Format = device.JPEG
		case "yuyv":
			opts.Format = device.YUYV
		default:
			return nil, nil, fmt.Errorf("uvc: format %q (mjpeg or yuyv)", f)
		}
		if err := cs.leftover(); err != nil {
			return nil, nil, err
		}
		src, err := uvc.New(path, &opts)
		return src, nil, err
	}
	return nil, nil, fmt.Errorf("camera kind %q (want %s)", cs.kind, cameraKinds)
}
