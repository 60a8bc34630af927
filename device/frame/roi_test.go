package frame_test

import (
	"image"
	"testing"

	"github.com/edgecache/edgecache/device/frame"
)

func TestROI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w, h int
		want image.Rectangle
	}{
		{"", 320, 240, image.Rect(40, 0, 280, 240)},
		{"center", 240, 320, image.Rect(0, 40, 240, 280)},
		{"center", 321, 240, image.Rect(40, 0, 280, 240)},
		{"full", 320, 240, image.Rect(0, 0, 320, 240)},
		{"10,20,100,50", 320, 240, image.Rect(10, 20, 110, 70)},
		{"300,200,100,100", 320, 240, image.Rect(300, 200, 320, 240)}, // cut to the frame
		{"0.25,0.0,0.5,1.0", 320, 240, image.Rect(80, 0, 240, 240)},
		{"0.1,0.1,0.8,0.8", 32, 32, image.Rect(3, 3, 29, 29)},
	} {
		roi, err := frame.ParseROI(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		got, err := roi.Rect(tc.w, tc.h)
		if err != nil || got != tc.want {
			t.Errorf("%q on %dx%d: %v %v, want %v", tc.in, tc.w, tc.h, got, err, tc.want)
		}
		if again, err := frame.ParseROI(roi.String()); err != nil || again != roi {
			t.Errorf("%q: String %q reads back as %+v, %v", tc.in, roi.String(), again, err)
		}
	}
	for _, bad := range []string{"1,2,3", "a,b,c,d", "0,0,0,10", "-1,0,10,10", "0.5,0.5,1.5,0.5", "0.1,0,0,0.5"} {
		if roi, err := frame.ParseROI(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, roi)
		}
	}
	if _, err := (frame.ROI{X: 400, Y: 0, W: 10, H: 10, Pixels: true}).Rect(320, 240); err == nil {
		t.Error("region right of the frame accepted")
	}
	if _, err := (frame.ROI{}).Rect(0, 240); err == nil {
		t.Error("empty frame accepted")
	}
}
