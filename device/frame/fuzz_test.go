package frame_test

import (
	"image"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// The fuzz targets feed arbitrary bytes to each decoder: any outcome but a
// panic (or a value outside [0, 1]) is fine. The frame limit keeps a
// header's size claims small so the fuzzer explores parsing, not memory.

func checkRange(t *testing.T, px []float32) {
	for i, v := range px {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("value %d is %v, outside [0, 1]", i, v)
		}
	}
}

func FuzzJPEG(f *testing.F) {
	f.Add(encodeJPEG(f, testimg.Smooth(16, 12, 1), 75))
	f.Add(encodeJPEG(f, testimg.Smooth(40, 30, 2), 85)) // decoded at 1/2 (size 4)
	f.Add(encodeJPEG(f, testimg.Smooth(70, 50, 3), 60)) // at 1/4
	f.Add(encodeJPEG(f, image.NewGray(image.Rect(0, 0, 9, 7)), 50))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xff, 0xd0, 0xff, 0xd9})
	c, _ := frame.New(&frame.Opts{Size: 4, MaxPixels: 1 << 16})
	px := make([]float32, c.Len())
	f.Fuzz(func(t *testing.T, data []byte) {
		if c.Pixels(px, device.Frame{Data: data, Format: device.JPEG}) == nil {
			checkRange(t, px)
		}
	})
}

func FuzzRaw(f *testing.F) {
	f.Add(uint8(device.RGB565BE), 4, 2, 0, []byte("0123456789abcdef"))
	f.Add(uint8(device.YUYV), 4, 2, 8, []byte("0123456789abcdef"))
	f.Add(uint8(device.YUYV), 3, 1, 0, []byte("012345"))
	f.Add(uint8(device.RGB565BE), -1, 1<<20, 1<<30, []byte{})
	c, _ := frame.New(&frame.Opts{Size: 3, MaxPixels: 1 << 16})
	px := make([]float32, c.Len())
	f.Fuzz(func(t *testing.T, format uint8, w, h, stride int, data []byte) {
		fr := device.Frame{Data: data, Format: device.Format(format), Width: w, Height: h, Stride: stride}
		if c.Pixels(px, fr) == nil {
			checkRange(t, px)
		}
	})
}

func FuzzParseROI(f *testing.F) {
	for _, s := range []string{"center", "full", "1,2,3,4", "0.1,0.2,0.3,0.4", "1e308,0,1e308,1", "0.,.0,1.,1."} {
		f.Add(s, 320, 240)
	}
	f.Fuzz(func(t *testing.T, s string, w, h int) {
		roi, err := frame.ParseROI(s)
		if err != nil {
			return
		}
		r, err := roi.Rect(w, h)
		if err == nil && (r.Empty() || !r.In(image.Rect(0, 0, w, h))) {
			t.Fatalf("%q on %dx%d: region %v", s, w, h, r)
		}
	})
}
