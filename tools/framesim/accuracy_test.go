package framesim_test

import (
	"bytes"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/torchfile"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/framesim"
)

// int8ResNet32 is the akamaster ResNet32 in int8: the file named by
// EDGECACHE_EQ8 (made by edgecache quantize) when set, otherwise quantized
// here, calibrated on 500 lossless training images with the observer
// edgecache quantize picks for this model (p99.999).
func int8ResNet32(t *testing.T, data string) *quant.Model {
	if path := os.Getenv("EDGECACHE_EQ8"); path != "" {
		m, err := quant.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	net, err := torchfile.Load(filepath.Join(data, "models/akamaster/resnet32-d509ac18.th"), torchfile.AkamasterSpec)
	if err != nil {
		t.Fatal(err)
	}
	train, err := dataset.Open(filepath.Join(data, "cifar10"), "train")
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	px := make([]float32, n*model.InputLen)
	for i := range n {
		if err := train.Load(i*train.Len()/n, px[i*model.InputLen:]); err != nil {
			t.Fatal(err)
		}
	}
	cal, err := quant.Calibrate(net, px, n)
	if err != nil {
		t.Fatal(err)
	}
	m, err := quant.Quantize(net, cal, quant.Observer{Percentile: 99.999})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFramePathAccuracy is the measure of the board's frame path:
// the int8 ResNet32's top-1 on the 1,000 lossless test images rendered as
// 320x240 camera frames (framesim.DefaultOpts: scaled up into the centred
// square, a lens in focus, noise, JPEG quality 85) and brought back through
// device/frame, against its top-1 on the same images at 32x32. The goal:
// within 3 points. Also scored: frames without lens, noise and loss beyond
// JPEG quality 95 (the resampling alone), a harsher camera (noise 4,
// quality 50) and a camera out of focus (the bilinear scene), which are
// reported, not held to the goal.
func TestFramePathAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 4,000 images")
	}
	data := modeltest.DataDir(t)
	qm := int8ResNet32(t, data)
	test, err := dataset.Open(filepath.Join(data, "cifar10"), "test")
	if err != nil {
		t.Fatal(err)
	}
	run, err := qm.NewRunner(1)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := frame.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	top1 := func(px []float32) int {
		logits, err := run.Run(px, 1)
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return best
	}
	clean, harsh, soft := framesim.DefaultOpts, framesim.DefaultOpts, framesim.DefaultOpts
	clean.Lens, clean.Noise, clean.Quality = 0, 0, 95
	harsh.Noise, harsh.Quality = 4, 50
	soft.Upscale, soft.Lens = framesim.Bilinear, 0
	cases := []struct {
		name string
		o    *framesim.Opts
	}{{"default", &framesim.DefaultOpts}, {"clean", &clean}, {"harsh", &harsh}, {"out of focus", &soft}}
	var right32 int
	right := make([]int, len(cases))
	src := make([]float32, model.InputLen)
	px := make([]float32, model.InputLen)
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	var buf bytes.Buffer
	for i := range test.Len() {
		if err := test.Load(i, src); err != nil {
			t.Fatal(err)
		}
		label := test.Label(i)
		if top1(src) == label {
			right32++
		}
		for c := range 32 * 32 {
			for ch := range 3 {
				img.Pix[4*c+ch] = uint8(math.Round(float64(src[ch*1024+c]) * 255))
			}
			img.Pix[4*c+3] = 255
		}
		for k, tc := range cases {
			buf.Reset()
			if err := framesim.Frame(&buf, img, tc.o, uint64(i)); err != nil {
				t.Fatal(err)
			}
			if err := conv.Pixels(px, device.Frame{Data: buf.Bytes(), Format: device.JPEG}); err != nil {
				t.Fatal(err)
			}
			if top1(px) == label {
				right[k]++
			}
		}
	}
	n := float64(test.Len())
	at32 := 100 * float64(right32) / n
	t.Logf("int8 ResNet32 on %d lossless test images at 32x32: top-1 %.2f%%", test.Len(), at32)
	for k, tc := range cases {
		got := 100 * float64(right[k]) / n
		o := tc.o
		t.Logf("as %dx%d frames (%s: image %v, %s scene, lens %g, noise %g, JPEG quality %d) through device/frame: top-1 %.2f%% (%+.2f points)",
			o.Width, o.Height, tc.name, o.Place(), o.Upscale, o.Lens, o.Noise, o.Quality, got, got-at32)
		if tc.name == "default" && got < at32-3 {
			t.Errorf("the frame path loses %.2f points, more than 3", at32-got)
		}
	}
}
