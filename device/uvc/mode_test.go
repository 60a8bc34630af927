package uvc

import (
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
	if _, err := rawStride(1000, 320, 240, 2); err == nil {
		t.Error("short frame accepted")
	}
}
