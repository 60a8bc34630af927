package frame_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// benchFrames are a 320x240 camera frame in each format: a smooth picture
// with sensor-like noise, the JPEG at quality 85 (a camera's usual).
func benchFrames(b *testing.B) map[string]device.Frame {
	img := smooth(320, 240, 21)
	data, _ := rgb565(img, 640)
	return map[string]device.Frame{
		"jpeg":   {Data: encodeJPEG(b, img, 85), Format: device.JPEG, Width: 320, Height: 240},
		"rgb565": {Data: data, Format: device.RGB565BE, Width: 320, Height: 240},
		"yuyv":   {Data: yuyv(img, 640), Format: device.YUYV, Width: 320, Height: 240},
	}
}

func benchConvert(b *testing.B, name string) {
	f := benchFrames(b)[name]
	c, _ := frame.New(nil)
	dst := make([]float32, c.Len())
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Pixels(dst, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/frame")
}

// BenchmarkFrame320x240JPEG is the goal: a 320x240 JPEG frame to
// the network's input in at most 1 ms (BenchmarkFrameVsNet puts it beside
// the int8 network).
func BenchmarkFrame320x240JPEG(b *testing.B)   { benchConvert(b, "jpeg") }
func BenchmarkFrame320x240RGB565(b *testing.B) { benchConvert(b, "rgb565") }
func BenchmarkFrame320x240YUYV(b *testing.B)   { benchConvert(b, "yuyv") }

// BenchmarkFrameVsNet alternates the 320x240 JPEG conversion with the int8
// ResNet32 at batch 1 (random weights, calibrated on random pixels: the
// kernels' time does not depend on the values) in one loop, so both see the
// same machine, and reports each one's time and their ratio.
func BenchmarkFrameVsNet(b *testing.B) {
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(32, 10, false, 1))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	cal := make([]float32, 16*model.InputLen)
	for i := range cal {
		cal[i] = rng.Float32()
	}
	c, err := quant.Calibrate(net, cal, 16)
	if err != nil {
		b.Fatal(err)
	}
	qm, err := quant.Quantize(net, c, quant.MinMax)
	if err != nil {
		b.Fatal(err)
	}
	run, err := qm.NewRunner(1)
	if err != nil {
		b.Fatal(err)
	}
	for name, f := range benchFrames(b) {
		b.Run(name, func(b *testing.B) {
			conv, _ := frame.New(nil)
			px := make([]float32, conv.Len())
			var tf, tn time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := conv.Pixels(px, f); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := run.Run(px, 1); err != nil {
					b.Fatal(err)
				}
				tf, tn = tf+t1.Sub(t0), tn+time.Since(t1)
			}
			b.ReportMetric(float64(tf.Microseconds())/float64(b.N), "frame-us")
			b.ReportMetric(float64(tn.Microseconds())/float64(b.N), "net-us")
			b.ReportMetric(100*float64(tf)/float64(tn), "frame/net-%")
		})
	}
}
