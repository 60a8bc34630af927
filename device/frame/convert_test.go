package frame_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/device/frame/internal/testimg"
	"github.com/edgecache/edgecache/model"
)

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func convert(t testing.TB, opts *frame.Opts, f device.Frame) []float32 {
	t.Helper()
	c, err := frame.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, c.Len())
	if err := c.Pixels(dst, f); err != nil {
		t.Fatal(err)
	}
	return dst
}

// ycbcr builds a random YCbCr image of the given subsampling, as a
// sub-image at an odd offset when sub is set (so plane origins and chroma
// phases are exercised).
func ycbcr(w, h int, ratio image.YCbCrSubsampleRatio, sub bool, seed uint64) *image.YCbCr {
	rng := rand.New(rand.NewPCG(seed, 3))
	r := image.Rect(0, 0, w, h)
	if sub {
		r = image.Rect(0, 0, w+5, h+3)
	}
	m := image.NewYCbCr(r, ratio)
	for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = uint8(rng.UintN(256))
		}
	}
	if sub {
		return m.SubImage(image.Rect(3, 1, 3+w, 1+h)).(*image.YCbCr)
	}
	return m
}

// TestExactAt32 is the contract with model.Pixels: a 32x32 frame, of any
// image type or as a JPEG, gives its tensor bit for bit.
func TestExactAt32(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 32, 32))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(rng.UintN(256))
	}
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(rng.UintN(256)) // alpha too: premultiplied as RGBA() does
	}
	imgs := map[string]image.Image{
		"rgba": testimg.Noise(32, 32, 1), "gray": gray, "nrgba": nrgba,
		"rgba-sub": testimg.Noise(40, 40, 2).SubImage(image.Rect(5, 3, 37, 35)),
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		imgs["ycbcr"+ratio.String()] = ycbcr(32, 32, ratio, false, 4)
		imgs["ycbcr-sub"+ratio.String()] = ycbcr(32, 32, ratio, true, 5)
	}
	want := make([]float32, model.InputLen)
	for name, img := range imgs {
		if err := model.Pixels(want, img); err != nil {
			t.Fatal(err)
		}
		if got := convert(t, nil, device.Frame{Image: img}); !equal(got, want) {
			t.Errorf("%s: differs from model.Pixels: %s", name, firstDiff(got, want))
		}
	}
	// A JPEG frame: the board decodes it; compare with model.Pixels on
	// image/jpeg's own decode.
	data := encodeJPEG(t, testimg.Smooth(32, 32, 6), 90)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Pixels(want, img); err != nil {
		t.Fatal(err)
	}
	if got := convert(t, nil, device.Frame{Data: data, Format: device.JPEG}); !equal(got, want) {
		t.Errorf("jpeg: differs from model.Pixels: %s", firstDiff(got, want))
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func firstDiff(a, b []float32) string {
	for i := range a {
		if a[i] != b[i] {
			return fmt.Sprintf("value %d: %v, want %v", i, a[i], b[i])
		}
	}
	return "lengths differ"
}

// reference is the definition the converter implements, written the slow
// way: every pixel to 8-bit RGB as model.Pixels reads it, then the exact
// area mean (float64) of the region over an n x n grid.
func reference(img image.Image, r image.Rectangle, n int) []float32 {
	b := img.Bounds()
	out := make([]float32, 3*n*n)
	sx, sy := float64(r.Dx())/float64(n), float64(r.Dy())/float64(n)
	for oy := range n {
		for ox := range n {
			x0, x1 := float64(r.Min.X)+float64(ox)*sx, float64(r.Min.X)+float64(ox+1)*sx
			y0, y1 := float64(r.Min.Y)+float64(oy)*sy, float64(r.Min.Y)+float64(oy+1)*sy
			var acc [3]float64
			for y := int(math.Floor(y0)); y < int(math.Ceil(y1)); y++ {
				wy := math.Min(y1, float64(y+1)) - math.Max(y0, float64(y))
				for x := int(math.Floor(x0)); x < int(math.Ceil(x1)); x++ {
					wx := math.Min(x1, float64(x+1)) - math.Max(x0, float64(x))
					cr, cg, cb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
					acc[0] += wx * wy * float64(cr>>8)
					acc[1] += wx * wy * float64(cg>>8)
					acc[2] += wx * wy * float64(cb>>8)
				}
			}
			for c := range 3 {
				out[c*n*n+oy*n+ox] = float32(acc[c] / (sx * sy) / 255)
			}
		}
	}
	return out
}

func maxDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestAreaAverage checks the separable, table-driven resize against the
// reference on shrinking, stretching and enlarging regions, odd sizes
// included. RGB sources must agree to float32 rounding; YCbCr sources are
// averaged before their conversion to RGB, so they may differ by the
// conversion's rounding to whole 8-bit steps (under 1/255) on smooth
// pictures, which is what the test uses.
func TestAreaAverage(t *testing.T) {
	rois := []frame.ROI{{}, {Full: true}, {X: 0.1, Y: 0.2, W: 0.5, H: 0.7}, {X: 3, Y: 5, W: 17, H: 11, Pixels: true}}
	for _, sz := range [][2]int{{320, 240}, {97, 131}, {20, 14}, {32, 32}, {1, 1}} {
		for _, n := range []int{32, 7} {
			for _, roi := range rois {
				if roi.Pixels && (sz[0] < 20 || sz[1] < 16) {
					continue
				}
				name := fmt.Sprintf("%dx%d-to-%d-%s", sz[0], sz[1], n, roi)
				r, err := roi.Rect(sz[0], sz[1])
				if err != nil {
					t.Fatal(name, err)
				}
				img := testimg.Noise(sz[0], sz[1], uint64(sz[0]))
				got := convert(t, &frame.Opts{Size: n, ROI: roi}, device.Frame{Image: img})
				if d := maxDiff(got, reference(img, r, n)); d > 2e-6 {
					t.Errorf("%s rgba: off the reference by %g", name, d)
				}
				m := image.NewYCbCr(image.Rect(0, 0, sz[0], sz[1]), image.YCbCrSubsampleRatio420)
				sm := testimg.Smooth(sz[0], sz[1], 7)
				for y := range sz[1] {
					for x := range sz[0] {
						c := sm.RGBAAt(x, y)
						yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
						m.Y[m.YOffset(x, y)] = yy
						m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
					}
				}
				got = convert(t, &frame.Opts{Size: n, ROI: roi}, device.Frame{Image: m})
				if d := maxDiff(got, reference(m, r, n)); d > 1.0/255 {
					t.Errorf("%s ycbcr: off the reference by %g (%.2f levels)", name, d, d*255)
				}
			}
		}
	}
}

// rgb565 packs an image's colours big-endian, and returns the image of the
// colours the packing keeps (each sample widened back to 8 bits).
func rgb565(img *image.RGBA, stride int) ([]byte, *image.RGBA) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	data := make([]byte, stride*h)
	kept := image.NewRGBA(img.Bounds())
	for y := range h {
		for x := range w {
			c := img.RGBAAt(x, y)
			r, g, b := uint16(c.R>>3), uint16(c.G>>2), uint16(c.B>>3)
			v := r<<11 | g<<5 | b
			data[y*stride+2*x], data[y*stride+2*x+1] = byte(v>>8), byte(v)
			kept.SetRGBA(x, y, color.RGBA{uint8(r<<3 | r>>2), uint8(g<<2 | g>>4), uint8(b<<3 | b>>2), 255})
		}
	}
	return data, kept
}

func TestRGB565(t *testing.T) {
	img := testimg.Noise(64, 48, 11)
	for _, stride := range []int{128, 136} {
		data, kept := rgb565(img, stride)
		s := stride
		if stride == 128 {
			s = 0 // packed: the default
		}
		got := convert(t, nil, device.Frame{Data: data, Format: device.RGB565BE, Width: 64, Height: 48, Stride: s})
		want := convert(t, nil, device.Frame{Image: kept})
		if !equal(got, want) {
			t.Errorf("stride %d: %s", stride, firstDiff(got, want))
		}
	}
	// Full scale: pure white packs to FFFF and must read back as 1.
	got := convert(t, &frame.Opts{Size: 1}, device.Frame{Data: []byte{0xff, 0xff}, Format: device.RGB565BE, Width: 1, Height: 1})
	if !equal(got, []float32{1, 1, 1}) {
		t.Errorf("white: %v", got)
	}
}

// yuyv packs an image as YUYV with the BT.601 limited-range forward
// transform (each pair's chroma from the pair's mean colour).
func yuyv(img *image.RGBA, stride int) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	data := make([]byte, stride*h)
	q := func(v float64) byte { return byte(max(0, min(255, math.Round(v)))) }
	for y := range h {
		for x := 0; x < w; x += 2 {
			var yy [2]float64
			var u, v float64
			for k := range 2 {
				c := img.RGBAAt(x+k, y)
				r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
				l := 0.299*r + 0.587*g + 0.114*b
				yy[k] = 16 + 219*l
				u += (112 * (b - l) / 0.886) / 2
				v += (112 * (r - l) / 0.701) / 2
			}
			p := data[y*stride+2*x:]
			p[0], p[1], p[2], p[3] = q(yy[0]), q(128+u), q(yy[1]), q(128+v)
		}
	}
	return data
}

func TestYUYV(t *testing.T) {
	// Known colours: black, white, and the limited-range primaries.
	for _, tc := range []struct {
		y, u, v uint8
		want    [3]float32
	}{{16, 128, 128, [3]float32{0, 0, 0}}, {235, 128, 128, [3]float32{1, 1, 1}},
		{81, 90, 240, [3]float32{1, 0, 0}}, {145, 54, 34, [3]float32{0, 1, 0}}, {41, 240, 110, [3]float32{0, 0, 1}}} {
		got := convert(t, &frame.Opts{Size: 1}, device.Frame{Data: []byte{tc.y, tc.u, tc.y, tc.v}, Format: device.YUYV, Width: 2, Height: 1})
		for c := range 3 {
			if math.Abs(float64(got[c]-tc.want[c])) > 0.01 {
				t.Errorf("Y %d U %d V %d: %v, want %v", tc.y, tc.u, tc.v, got, tc.want)
				break
			}
		}
	}
	// A picture through YUYV matches the picture itself to the packing's
	// rounding, padded rows or not. Each pixel pair has one colour, so
	// that the pair's shared chroma loses nothing.
	img := testimg.Smooth(80, 60, 12)
	for i := 4; i < len(img.Pix); i += 8 {
		copy(img.Pix[i:i+4], img.Pix[i-4:i])
	}
	want := convert(t, nil, device.Frame{Image: img})
	for _, stride := range []int{160, 192} {
		got := convert(t, nil, device.Frame{Data: yuyv(img, stride), Format: device.YUYV, Width: 80, Height: 60, Stride: stride})
		if d := maxDiff(got, want); d > 1.5/255 {
			t.Errorf("stride %d: off the picture by %.2f levels", stride, d*255)
		}
	}
}

// TestJPEGFrame: a 320x240 JPEG through the board path against the
// reference on image/jpeg's decode.
func TestJPEGFrame(t *testing.T) {
	data := encodeJPEG(t, testimg.Smooth(320, 240, 13), 85)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f := device.Frame{Data: data, Format: device.JPEG, Width: 320, Height: 240}
	// The full decode: within one level (the reference converts each pixel
	// to RGB before averaging, the converter averages YCbCr first).
	got := convert(t, &frame.Opts{FullDecode: true}, f)
	if d := maxDiff(got, reference(img, image.Rect(40, 0, 280, 240), 32)); d > 1.0/255 {
		t.Errorf("full decode: off the reference by %.2f levels", d*255)
	}
	// The default, a reduced-scale decode: TestScaledJPEG bounds it.
	got = convert(t, nil, f)
	if d := maxDiff(got, reference(img, image.Rect(40, 0, 280, 240), 32)); d > scaledMax {
		t.Errorf("off the reference by %.2f levels", d*255)
	}
}

func TestBadFrames(t *testing.T) {
	good := encodeJPEG(t, testimg.Smooth(64, 48, 14), 80)
	huge := bytes.Clone(good)
	if i := bytes.Index(huge, []byte{0xff, 0xc0}); i < 0 {
		t.Fatal("no SOF0")
	} else {
		huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0xff, 0xff, 0xff, 0xff // 65535x65535
	}
	raw := make([]byte, 64*48*2)
	for _, tc := range []struct {
		name string
		f    device.Frame
		want string
	}{
		{"empty", device.Frame{}, "neither"},
		{"unknown format", device.Frame{Format: 99, Data: raw}, "unknown pixel format"},
		{"not jpeg", device.Frame{Format: device.JPEG, Data: []byte("hello")}, "not a JPEG"},
		{"jpeg soi only", device.Frame{Format: device.JPEG, Data: good[:2]}, "truncated"},
		{"jpeg cut in header", device.Frame{Format: device.JPEG, Data: good[:100]}, "truncated"},
		{"jpeg cut in scan", device.Frame{Format: device.JPEG, Data: good[:len(good)/2]}, "unexpected EOF"},
		{"jpeg huge", device.Frame{Format: device.JPEG, Data: huge}, "over the"},
		{"jpeg scan garbage", device.Frame{Format: device.JPEG, Data: append(bytes.Clone(good[:len(good)-300]), bytes.Repeat([]byte{0xff, 0x13}, 150)...)}, "jpeg 64x48"},
		{"rgb565 no size", device.Frame{Format: device.RGB565BE, Data: raw}, "0x0"},
		{"rgb565 short", device.Frame{Format: device.RGB565BE, Data: raw[:100], Width: 64, Height: 48}, "truncated"},
		{"rgb565 stride", device.Frame{Format: device.RGB565BE, Data: raw, Width: 64, Height: 48, Stride: 100}, "stride"},
		{"rgb565 huge", device.Frame{Format: device.RGB565BE, Data: raw, Width: 1 << 30, Height: 1 << 30}, "over the"},
		{"yuyv odd", device.Frame{Format: device.YUYV, Data: raw, Width: 63, Height: 48}, "odd width"},
		{"yuyv short", device.Frame{Format: device.YUYV, Data: raw[:64*47*2+10], Width: 64, Height: 48}, "truncated"},
	} {
		c, _ := frame.New(nil)
		err := c.Pixels(make([]float32, c.Len()), tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	c, _ := frame.New(nil)
	if err := c.Pixels(make([]float32, 10), device.Frame{Image: testimg.Noise(4, 4, 1)}); err == nil {
		t.Error("short pixel buffer accepted")
	}
	if _, err := frame.New(&frame.Opts{Size: -1}); err == nil {
		t.Error("negative size accepted")
	}
	if _, err := frame.New(&frame.Opts{ROI: frame.ROI{X: 2, W: 1, H: 1}}); err == nil {
		t.Error("region outside the frame accepted")
	}
}

// TestNoAllocs: after the first frame of a size, raw frames, decoded
// images and JPEG frames decoded at reduced scale convert without
// allocating (a board converts 10 or more frames a
// second for months; garbage is pauses).
func TestNoAllocs(t *testing.T) {
	img := testimg.Smooth(320, 240, 15)
	data, _ := rgb565(img, 640)
	frames := map[string]device.Frame{
		"rgb565": {Data: data, Format: device.RGB565BE, Width: 320, Height: 240},
		"yuyv":   {Data: yuyv(img, 640), Format: device.YUYV, Width: 320, Height: 240},
		"rgba":   {Image: img},
		"ycbcr":  {Image: ycbcr(320, 240, image.YCbCrSubsampleRatio420, false, 1)},
		"jpeg":   {Data: encodeJPEG(t, img, 85), Format: device.JPEG, Width: 320, Height: 240}, // at 1/2 scale
	}
	for name, f := range frames {
		c, _ := frame.New(nil)
		dst := make([]float32, c.Len())
		if n := testing.AllocsPerRun(10, func() {
			if err := c.Pixels(dst, f); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per frame", name, n)
		}
	}
}
