package frame_test

import (
	"bytes"
	"image/jpeg"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/device/frame/internal/testimg"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/cputime"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
)

// benchFrames are a 320x240 camera frame in each format: a smooth picture
// with sensor-like noise, the JPEG at quality 85 (a camera's usual); and
// the JPEG a camera set to 160x120 sends (the ArduCAM's smallest JPEG size;
// rpicam-vid takes it as --width/--height), a quarter of the pixels to
// decode for the same 32x32 input.
func benchFrames(b *testing.B) map[string]device.Frame {
	img := testimg.Smooth(320, 240, 21)
	data, _ := rgb565(img, 640)
	return map[string]device.Frame{
		"jpeg":    {Data: encodeJPEG(b, img, 85), Format: device.JPEG, Width: 320, Height: 240},
		"jpeg160": {Data: encodeJPEG(b, testimg.Smooth(160, 120, 22), 85), Format: device.JPEG, Width: 160, Height: 120},
		"rgb565":  {Data: data, Format: device.RGB565BE, Width: 320, Height: 240},
		"yuyv":    {Data: yuyv(img, 640), Format: device.YUYV, Width: 320, Height: 240},
	}
}

func benchConvert(b *testing.B, name string, opts *frame.Opts) {
	f := benchFrames(b)[name]
	c, _ := frame.New(opts)
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
// the int8 network); by default decoded at 1/2 scale, and with
// FullDecode by image/jpeg, the peer to compare with in the same run.
func BenchmarkFrame320x240JPEG(b *testing.B) {
	b.Run("scaled", func(b *testing.B) { benchConvert(b, "jpeg", nil) })
	b.Run("full", func(b *testing.B) { benchConvert(b, "jpeg", &frame.Opts{FullDecode: true}) })
}
func BenchmarkFrame320x240RGB565(b *testing.B) { benchConvert(b, "rgb565", nil) }
func BenchmarkFrame320x240YUYV(b *testing.B)   { benchConvert(b, "yuyv", nil) }

// BenchmarkFrameVsNet alternates the 320x240 JPEG conversion with the int8
// ResNet32 at batch 1 (random weights, calibrated on random pixels: the
// kernels' time does not depend on the values) in one loop, so both see the
// same machine, and reports each one's time and their ratio; for the JPEG
// frames also image/jpeg's decode alone, as a share of the frame's time
// (over 100% where the frame is decoded at reduced scale: then it says how
// much faster the whole conversion is than image/jpeg's decode alone).
// jpeg-full is the 320x240 JPEG with Opts.FullDecode, the image/jpeg path.
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
	frames := benchFrames(b)
	frames["jpeg-full"] = frames["jpeg"]
	for name, f := range frames {
		b.Run(name, func(b *testing.B) {
			conv, _ := frame.New(&frame.Opts{FullDecode: name == "jpeg-full"})
			px := make([]float32, conv.Len())
			var tf, tn, td, cf, cn time.Duration
			var r bytes.Reader
			for b.Loop() {
				c0, t0 := cputime.Self(), time.Now()
				if err := conv.Pixels(px, f); err != nil {
					b.Fatal(err)
				}
				c1, t1 := cputime.Self(), time.Now()
				if _, err := run.Run(px, 1); err != nil {
					b.Fatal(err)
				}
				c2, t2 := cputime.Self(), time.Now()
				tf, tn = tf+t1.Sub(t0), tn+t2.Sub(t1)
				cf, cn = cf+c1-c0, cn+c2-c1
				if f.Format == device.JPEG {
					// image/jpeg's decode alone: the share of the
					// frame's time a faster decoder could work on.
					r.Reset(f.Data)
					if _, err := jpeg.Decode(&r); err != nil {
						b.Fatal(err)
					}
					td += time.Since(t2)
				}
			}
			b.ReportMetric(float64(tf.Microseconds())/float64(b.N), "frame-us")
			b.ReportMetric(float64(tn.Microseconds())/float64(b.N), "net-us")
			b.ReportMetric(100*float64(tf)/float64(tn), "frame/net-%")
			// CPU time received (all threads, the garbage collector's
			// included), which other tenants' load disturbs less
			// than the wall clock.
			b.ReportMetric(float64(cf.Microseconds())/float64(b.N), "frame-cpu-us")
			b.ReportMetric(float64(cn.Microseconds())/float64(b.N), "net-cpu-us")
			if td > 0 {
				b.ReportMetric(100*float64(td)/float64(tf), "decode/frame-%")
			}
		})
	}
}
