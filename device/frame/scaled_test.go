package frame_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// scaledMax bounds one output value of a reduced-scale decode against the
// full decode (Opts.FullDecode), in [0, 1] units, and scaledMean the mean
// over a frame's values, on camera-like content (smooth, below). Where
// the difference comes from (TestScaledJPEG logs the figures): the reduced
// planes are box averages of the full decode's to about 1/4 level on
// average (jpegscale's TestAgainstImageJPEG), which the 3.75 or more
// reduced samples a side of each output average further; what remains is
// an ROI or output edge that falls inside a reduced sample: the area
// tables then weigh all the sample's pixels alike where the full decode
// weighs only those inside, an error of up to the share left out times
// the spread of the sample's pixels, over the output's width. The smooth
// test frames change by up to 12 levels a pixel in blue, and 4:2:0 chroma
// at 1/2 covers 4x4 pixels: a few levels of Cb, 1.77 times that in blue.
// TestScaledMapping checks the mapping itself, where that error is zero.
const (
	scaledMax  = 8.0 / 255
	scaledMean = 1.6 / 255
)

// scene is smooth's picture as a w x h camera would see it: the same
// gradients across the frame whatever its size (smooth's change by a fixed
// amount a pixel, so a larger frame of it holds more detail), with the
// same sensor-like noise per pixel.
func scene(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	p := [3]float64{rng.Float64() * 6, rng.Float64() * 6, rng.Float64() * 6}
	k := 320 / float64(w)
	for y := range h {
		for x := range w {
			for c := range 3 {
				v := 128 + 80*math.Sin(p[c]+k*(float64(x)*0.05*float64(c+1)+float64(y)*0.03)) + rng.NormFloat64()*6
				img.Pix[y*img.Stride+4*x+c] = uint8(max(0, min(255, math.Round(v))))
			}
			img.Pix[y*img.Stride+4*x+3] = 255
		}
	}
	return img
}

// cells is a w x h picture of random colours constant on c x c squares
// aligned with the frame's origin.
func cells(w, h, c int, seed uint64) *image.RGBA {
	src := testimg.Noise((w+c-1)/c, (h+c-1)/c, seed)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			copy(img.Pix[y*img.Stride+4*x:y*img.Stride+4*x+4], src.Pix[(y/c)*src.Stride+4*(x/c):])
		}
	}
	return img
}

// TestScaledMapping: on a picture constant over 16x16 squares (every JPEG
// block flat, so a reduced sample is exactly its pixels' value), the
// reduced-scale path must give the full decode's values up to rounding,
// whatever the region: a sample's or a half sample's shift in mapping the
// ROI or the chroma onto the reduced planes would be tens of levels off.
func TestScaledMapping(t *testing.T) {
	for _, tc := range []struct {
		w, h, size int
		roi        frame.ROI
	}{
		{320, 240, 32, frame.ROI{}},
		{640, 480, 32, frame.ROI{}},
		{1280, 720, 32, frame.ROI{}},
		{333, 251, 32, frame.ROI{Full: true}},
		{500, 375, 24, frame.ROI{X: 0.13, Y: 0.07, W: 0.61, H: 0.77}},
		{401, 301, 16, frame.ROI{X: 137, Y: 41, W: 201, H: 173, Pixels: true}},
	} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, cells(tc.w, tc.h, 16, uint64(tc.w)), &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		f := device.Frame{Data: buf.Bytes(), Format: device.JPEG, Width: tc.w, Height: tc.h}
		got := convert(t, &frame.Opts{ROI: tc.roi, Size: tc.size}, f)
		want := convert(t, &frame.Opts{ROI: tc.roi, Size: tc.size, FullDecode: true}, f)
		if d := maxDiff(got, want); d > 2.0/255 {
			t.Errorf("%dx%d, ROI %v: off the full decode by %.2f levels", tc.w, tc.h, tc.roi, d*255)
		}
	}
}

// TestScaledJPEG: the default converter (reduced-scale decode) against the
// full decode on frames of several sizes, contents, regions and qualities.
func TestScaledJPEG(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 333, 251))
	sm := testimg.Smooth(333, 251, 4)
	for y := range 251 {
		for x := range 333 {
			gray.Pix[y*gray.Stride+x] = sm.Pix[y*sm.Stride+4*x+1]
		}
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		q    int
		roi  frame.ROI
		size int
	}{
		{"320x240 smooth q85", testimg.Smooth(320, 240, 1), 85, frame.ROI{}, 32},
		{"320x240 smooth q50", testimg.Smooth(320, 240, 2), 50, frame.ROI{}, 32},
		{"640x480 smooth q75", scene(640, 480, 4), 75, frame.ROI{}, 32},
		{"1280x720 smooth q85", scene(1280, 720, 4), 85, frame.ROI{}, 32},
		{"333x251 smooth full ROI", testimg.Smooth(333, 251, 5), 85, frame.ROI{Full: true}, 32},
		{"333x251 grey", gray, 85, frame.ROI{}, 32},
		{"odd fractional ROI", scene(500, 375, 6), 85, frame.ROI{X: 0.13, Y: 0.07, W: 0.61, H: 0.77}, 32},
		{"pixel ROI at the edge", testimg.Smooth(401, 301, 7), 90, frame.ROI{X: 200, Y: 150, W: 201, H: 151, Pixels: true}, 24},
	} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, tc.img, &jpeg.Options{Quality: tc.q}); err != nil {
			t.Fatal(err)
		}
		b := tc.img.Bounds()
		f := device.Frame{Data: buf.Bytes(), Format: device.JPEG, Width: b.Dx(), Height: b.Dy()}
		got := convert(t, &frame.Opts{ROI: tc.roi, Size: tc.size}, f)
		want := convert(t, &frame.Opts{ROI: tc.roi, Size: tc.size, FullDecode: true}, f)
		var sum float64
		for i := range got {
			sum += math.Abs(float64(got[i]) - float64(want[i]))
		}
		mx, mean := maxDiff(got, want), sum/float64(len(got))
		t.Logf("%s: max %.2f mean %.3f levels", tc.name, mx*255, mean*255)
		if mx > scaledMax || mean > scaledMean {
			// Uniform noise (logged by TestScaledNoise) is no camera
			// picture; only camera-like content is held to these.
			t.Errorf("%s: off the full decode by up to %.2f levels, %.3f on average", tc.name, mx*255, mean*255)
		}
	}
}

// TestScaledNoise logs the worst case, uniform noise, where the full
// decode also clamps ringing that the reduced transform averages away,
// and bounds its mean loosely.
func TestScaledNoise(t *testing.T) {
	data := encodeJPEG(t, testimg.Noise(320, 240, 3), 95)
	f := device.Frame{Data: data, Format: device.JPEG, Width: 320, Height: 240}
	got := convert(t, nil, f)
	want := convert(t, &frame.Opts{FullDecode: true}, f)
	var sum float64
	for i := range got {
		sum += math.Abs(float64(got[i]) - float64(want[i]))
	}
	mean := sum / float64(len(got))
	t.Logf("320x240 noise q95: max %.2f mean %.3f levels", maxDiff(got, want)*255, mean*255)
	if mean > 6.0/255 {
		t.Errorf("noise: off the full decode by %.3f levels on average", mean*255)
	}
}

// TestScaleChoice: the reduced decode is used exactly when the region of
// interest stays 2*Size samples a side (the frame's figures then differ
// from the full decode's), and a 32x32 frame is never scaled.
func TestScaleChoice(t *testing.T) {
	for _, tc := range []struct {
		w, h, size int
		scaled     bool
	}{
		{320, 240, 32, true}, // 240/2 = 120 >= 64
		{160, 120, 32, false},
		{128, 128, 32, true}, // 1/2 exactly
		{127, 200, 32, false},
		{32, 32, 32, false},
		{640, 480, 8, true},
	} {
		data := encodeJPEG(t, testimg.Noise(tc.w, tc.h, 9), 90)
		f := device.Frame{Data: data, Format: device.JPEG, Width: tc.w, Height: tc.h}
		opts := &frame.Opts{Size: tc.size}
		got := convert(t, opts, f)
		opts.FullDecode = true
		if scaled := !equal(got, convert(t, opts, f)); scaled != tc.scaled {
			t.Errorf("%dx%d to %d: reduced decode %v, want %v", tc.w, tc.h, tc.size, scaled, tc.scaled)
		}
	}
}

// TestScaledFallback: a frame the reduced-scale decoder does not take
// (here three components named R, G, B: image/jpeg reads them as RGB) goes
// to image/jpeg, bit for bit as with FullDecode.
func TestScaledFallback(t *testing.T) {
	data := encodeJPEG(t, testimg.Smooth(320, 240, 8), 90)
	for _, m := range []byte{0xc0, 0xda} { // SOF0 and SOS name the components
		i := bytes.Index(data, []byte{0xff, m})
		if i < 0 {
			t.Fatalf("no marker %#x", m)
		}
		first := i + 10 // SOF: FF C0 len(2) P Y(2) X(2) N, then C H/V T
		step := 3
		if m == 0xda {
			first, step = i+5, 2 // SOS: FF DA len(2) N, then C T
		}
		for k, id := range []byte("RGB") {
			data[first+k*step] = id
		}
	}
	f := device.Frame{Data: data, Format: device.JPEG, Width: 320, Height: 240}
	got := convert(t, nil, f)
	want := convert(t, &frame.Opts{FullDecode: true}, f)
	if !equal(got, want) {
		t.Errorf("RGB JPEG: %s", firstDiff(got, want))
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.RGBA); !ok {
		t.Fatalf("image/jpeg read the edited frame as %T, not RGB: the test proves nothing", img)
	}
}
