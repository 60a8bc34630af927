package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"syscall"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/model/onnx"
	"github.com/edgecache/edgecache/quant"
)

// The stages of one frame as the board program runs it: the board's own
// cache/bundle.Classifier, one Stage call at a time.
var stages = bundle.Stages

// The fitted 4 MiB cache's shape (docs/results/README.md, "Fitting a board's
// memory"): the paper's three taps whole (12,288 raw values) projected to 128
// by an fp16 matrix stored transposed, then weighted prototypes up to the
// budget (about 3,900 of 128 values).
const (
	fittedProj   = 128
	fittedBudget = 4 << 20
)

// frameRun is the board's classifier and the frame it is given.
type frameRun struct {
	cl  *bundle.Classifier
	mem *cache.Cache
	f   device.Frame
}

func (r *frameRun) stage(i int) error { return r.cl.Stage(i, r.f) }

// newFrameRun prepares the path: from -bundle when given, else our int8
// model (-quant) with a cache of the fitted shape filled with random
// prototypes (the instructions a lookup executes depend on the shape and on
// the taps' zeros, which come from the real network, not on the keys'
// values: every item of the fitted cache is within the cutoff on real
// queries, and so is every random one).
func newFrameRun(o options) (*frameRun, error) {
	var qm *quant.Model
	var mem *cache.Cache
	pre := bundle.DefaultPreprocess
	var names []string // class names
	if o.bundle != "" {
		b, err := bundle.ReadFile(o.bundle)
		if err != nil {
			return nil, err
		}
		if b.Cache == nil {
			return nil, fmt.Errorf("%s has no cache: nothing to look up", o.bundle)
		}
		qm, mem, pre, names = b.Model, b.Cache, b.Meta.Preprocess, b.Meta.Classes
	} else {
		var err error
		if qm, err = quant.ReadFile(o.quant); err != nil {
			return nil, err
		}
		if mem, err = fittedCache(qm, o.model); err != nil {
			return nil, err
		}
	}
	if names == nil {
		names = make([]string, qm.Classes)
		for y := range names {
			names[y] = fmt.Sprint(y)
		}
	}
	cl, err := bundle.NewClassifier(&bundle.Bundle{Model: qm, Cache: mem, Meta: bundle.Meta{Classes: names, Preprocess: pre}})
	if err != nil {
		return nil, err
	}
	if err := cl.SetThreads(o.threads); err != nil {
		return nil, err
	}
	data, err := frameJPEG(o.jpeg)
	if err != nil {
		return nil, err
	}
	return &frameRun{cl: cl, mem: mem, f: device.Frame{Data: data, Format: device.JPEG}}, nil
}

// fittedCache builds a cache of the fitted 4 MiB shape on qm's paper taps
// (named by the float model the int8 one was quantized from).
func fittedCache(qm *quant.Model, floatModel string) (*cache.Cache, error) {
	if floatModel == "" {
		return nil, fmt.Errorf("-model (the float network, for the paper's tap names) or -bundle is required")
	}
	net, err := onnx.Load(floatModel, onnx.DefaultSpec)
	if err != nil {
		return nil, err
	}
	names, err := net.PaperTaps()
	if err != nil {
		return nil, err
	}
	var spec cache.Spec
	for _, name := range names {
		t, err := qm.Tap(name)
		if err != nil {
			return nil, err
		}
		spec.Taps = append(spec.Taps, cache.TapSpec{Name: name, C: t.C, H: t.H, W: t.W, Pool: cache.PoolNone})
	}
	rng := rand.New(rand.NewPCG(15, 4))
	w := make([]float32, fittedProj*spec.RawDim())
	for i := range w {
		w[i] = float32(rng.NormFloat64()) / 100
	}
	if spec.Proj, err = cache.NewProjection(fittedProj, spec.RawDim(), w, nil); err != nil {
		return nil, err
	}
	mem, err := cache.New(spec, qm.Classes)
	if err != nil {
		return nil, err
	}
	key := make([]float32, spec.Dim())
	for mem.Len() == 0 || mem.Bytes() < fittedBudget-2*spec.Dim()-4 {
		for i := range key {
			key[i] = float32(rng.NormFloat64())
		}
		// Prototypes are stored class by class, weighted by the items they
		// stand for, as a fit makes them.
		if err := mem.AddWeighted(key, mem.Len()*qm.Classes/4000%qm.Classes, 1+rng.IntN(40)); err != nil {
			return nil, err
		}
	}
	mem.Theta, mem.Lambda = 50, 0.5
	return mem, nil
}

// frameJPEG is the camera frame every run classifies: the file when given,
// else a 320x240 test scene (smooth gradients, discs and a little sensor
// noise, JPEG quality 85: the ArduCAM's 320x240 JPEG mode and rpicam-vid's
// MJPEG give frames of this size), made the same on every run.
func frameJPEG(path string) ([]byte, error) {
	if path != "" {
		return os.ReadFile(path)
	}
	const w, h = 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(320, 240))
	discs := [][4]float64{{90, 120, 60, 0}, {230, 100, 45, 1}, {180, 190, 30, 2}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := 40 + 150*float64(x)/w
			g := 60 + 120*float64(y)/h
			b := 120 + 60*math.Sin(float64(x+y)/25)
			for _, d := range discs {
				if math.Hypot(float64(x)-d[0], float64(y)-d[1]) < d[2] {
					switch d[3] {
					case 0:
						r, g, b = 200, 60, 50
					case 1:
						r, g, b = 50, 170, 80
					default:
						r, g, b = 230, 220, 200
					}
				}
			}
			n := rng.NormFloat64() * 3
			img.Set(x, y, color.RGBA{clampByte(r + n), clampByte(g + n), clampByte(b + n), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func clampByte(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

// runFrameChild runs the frame path under qemu. With -stage all, each frame
// sets len(stages)+2 marks: two in a row (the cost of a mark itself, which
// the parent subtracts from every stage), then one after each stage. With
// -stage NAME it marks only around that stage, for the plugin's profile.
func runFrameChild(o options) error {
	r, err := newFrameRun(o)
	if err != nil {
		return err
	}
	only := -1
	if o.stage != "all" {
		for i, s := range stageKeys {
			if s == o.stage {
				only = i
			}
		}
		if only < 0 {
			return fmt.Errorf("unknown -stage %q (want all or one of %v)", o.stage, stageKeys)
		}
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	fd := int(null.Fd())
	buf := make([]byte, markLen)
	mark := func() error {
		_, err := syscall.Write(fd, buf)
		return err
	}
	for range o.warmup {
		for i := range stages {
			if err := r.stage(i); err != nil {
				return fmt.Errorf("%s: %v", stages[i], err)
			}
		}
	}
	for range o.reps {
		if only < 0 {
			if err := mark(); err != nil {
				return err
			}
			if err := mark(); err != nil {
				return err
			}
		}
		for i := range stages {
			if i == only {
				if err := mark(); err != nil {
					return err
				}
			}
			if err := r.stage(i); err != nil {
				return fmt.Errorf("%s: %v", stages[i], err)
			}
			if only < 0 || i == only {
				if err := mark(); err != nil {
					return err
				}
			}
		}
	}
	res, err := r.cl.Classify(r.f)
	if err != nil {
		return err
	}
	fmt.Println("class", res.Class, "net", res.Net, "items", r.mem.Len(), "dim", r.mem.Dim(), "kernel", cache.Kernel())
	return nil
}

// stageKeys name the stages on the command line (-stage), in stages' order.
var stageKeys = []string{"pixels", "network", "lookup", "mix"}
