package uvc

import (
	"math"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device"
)

// A camera like a common 720p UVC webcam: MJPEG and YUYV at discrete sizes.
var camFormats = map[uint32]string{FourCCMJPEG: "Motion-JPEG", FourCCYUYV: "YUYV 4:2:2"}

func camSizes(cc uint32) []Size {
	d := func(w, h uint32) Size { return Size{MinWidth: w, MaxWidth: w, MinHeight: h, MaxHeight: h} }
	if cc == FourCCYUYV {
		return []Size{d(640, 480), d(160, 120), d(320, 240)}
	}
	return []Size{d(1280, 720), d(640, 480), d(352, 288)}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		want      device.Format
		w, h      int
		mode      Mode
		formats   map[uint32]string
		errSubstr string
	}{
		{device.None, 320, 240, Mode{FourCCMJPEG, device.JPEG, 352, 288}, camFormats, ""},
		{device.YUYV, 320, 240, Mode{FourCCYUYV, device.YUYV, 320, 240}, camFormats, ""},
		{device.YUYV, 200, 100, Mode{FourCCYUYV, device.YUYV, 320, 240}, camFormats, ""},
		{device.JPEG, 4000, 3000, Mode{FourCCMJPEG, device.JPEG, 1280, 720}, camFormats, ""}, // none big enough: the largest
		{device.None, 320, 240, Mode{FourCCYUYV, device.YUYV, 320, 240}, map[uint32]string{FourCCYUYV: "YUYV"}, ""},
		{device.None, 320, 240, Mode{}, map[uint32]string{'H' | '2'<<8 | '6'<<16 | '4'<<24: "H.264"}, "offers [H264 (H.264)]"},
		{device.RGB565BE, 320, 240, Mode{}, camFormats, "jpeg (MJPEG) or yuyv"},
		{device.JPEG, 0, 240, Mode{}, camFormats, "frame size"},
	} {
		m, err := Choose(tc.formats, camSizes, tc.want, tc.w, tc.h)
		if tc.errSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("%v %dx%d: %v, want an error with %q", tc.want, tc.w, tc.h, err, tc.errSubstr)
			}
			continue
		}
		if err != nil || m != tc.mode {
			t.Errorf("%v %dx%d: %+v %v, want %+v", tc.want, tc.w, tc.h, m, err, tc.mode)
		}
	}
	// A stepwise range offers its nearest size at or above the request.
	step := func(uint32) []Size { return []Size{{16, 1920, 8, 16, 1080, 8}} }
	if m, err := Choose(camFormats, step, device.YUYV, 321, 239); err != nil || m.Width != 328 || m.Height != 240 {
		t.Errorf("stepwise: %+v %v", m, err)
	}
}

func TestRawStride(t *testing.T) {
	if s, err := rawStride(320*240*2, 320, 240, 2); err != nil || s != 640 {
		t.Errorf("packed: %d %v", s, err)
	}
	if s, err := rawStride(704*240, 320, 240, 2); err != nil || s != 704 {
		t.Errorf("padded: %d %v", s, err)
	}
	if s, err := rawStride(320*240*2+100, 320, 240, 2); err != nil || s != 640 {
		t.Errorf("packed with trailing padding: %d %v", s, err)
	}
	if _, err := rawStride(1000, 320, 240, 2); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("short frame: %v", err)
	}
}

// Sizes come from the driver: a range reaching past UVC's 16-bit sides or
// a step near 2^32 gives no size, or a size inside the range, never one
// that wrapped (on a 32-bit board int(uint32) of such a value is negative).
func TestDriverSizes(t *testing.T) {
	for _, tc := range []struct {
		s    Size
		w, h int
		ok   bool
		want [2]int
	}{
		{Size{1 << 31, 1 << 31, 0, 240, 240, 0}, 320, 240, false, [2]int{}},
		{Size{0xFFFFFFFF, 0xFFFFFFFF, 0, 240, 240, 0}, 320, 240, false, [2]int{}},
		{Size{16, 1920, 0xFFFFFFF0, 16, 1080, 8}, 321, 240, true, [2]int{1920, 240}},
		{Size{16, 0xFFFFFFFF, 1, 16, 1080, 8}, 1 << 20, 240, false, [2]int{}},
		{Size{16, 0xFFFFFFFF, 1, 16, 1080, 8}, 321, 240, true, [2]int{321, 240}},
		{Size{640, 320, 0, 240, 240, 0}, 320, 240, false, [2]int{}},
	} {
		w, h, ok := pickSize([]Size{tc.s}, tc.w, tc.h)
		if ok != tc.ok || (ok && [2]int{w, h} != tc.want) {
			t.Errorf("%+v for %dx%d: %dx%d %v, want %v %v", tc.s, tc.w, tc.h, w, h, ok, tc.want, tc.ok)
		}
	}
	// A frame size whose byte count overflows int32 is refused, not wrapped.
	if _, err := rawStride(1<<20, maxSide, maxSide, 2); err == nil || !strings.Contains(err.Error(), "want 8589672450") {
		t.Errorf("65535x65535 frame of 1 MiB: %v", err)
	}
	for _, wh := range [][2]int{{0, 240}, {320, -1}, {1 << 20, 1}} {
		if _, err := rawStride(640, wh[0], wh[1], 2); err == nil {
			t.Errorf("%dx%d accepted", wh[0], wh[1])
		}
	}
}

// FuzzChoose: whatever sizes a driver reports and whatever is asked, the
// mode is one of the ranges' sizes within UVC's limits, or an error.
func FuzzChoose(f *testing.F) {
	f.Add(uint32(320), uint32(320), uint32(0), uint32(240), uint32(240), uint32(0), 320, 240, 614400)
	f.Add(uint32(16), uint32(1920), uint32(8), uint32(16), uint32(1080), uint32(8), 321, 239, 0)
	f.Add(uint32(0), uint32(0xFFFFFFFF), uint32(0xFFFFFFFF), uint32(1), uint32(0xFFFFFFFF), uint32(3), math.MaxInt, -5, 7)
	f.Fuzz(func(t *testing.T, minW, maxW, stepW, minH, maxH, stepH uint32, w, h, n int) {
		s := Size{minW, maxW, stepW, minH, maxH, stepH}
		m, err := Choose(camFormats, func(uint32) []Size { return []Size{s} }, device.YUYV, w, h)
		if err != nil {
			return
		}
		if m.Width < 1 || m.Height < 1 || m.Width > maxSide || m.Height > maxSide ||
			uint32(m.Width) < minW || uint32(m.Width) > maxW || uint32(m.Height) < minH || uint32(m.Height) > maxH {
			t.Fatalf("%+v for %dx%d: %+v", s, w, h, m)
		}
		if stride, err := rawStride(n, m.Width, m.Height, 2); err == nil && (stride < 2*m.Width || int64(stride)*int64(m.Height) > int64(n)) {
			t.Fatalf("%d bytes at %dx%d: stride %d", n, m.Width, m.Height, stride)
		}
	})
}
