package jpegscale

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// segmentAt returns the offset of the first marker m's FF byte in a
// well-formed test frame (markers before the scan only).
func segmentAt(t *testing.T, data []byte, m byte) int {
	t.Helper()
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		if data[i+1] == m {
			return i
		}
		if data[i+1] == mSOS {
			break
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	t.Fatalf("no marker %#02x", m)
	return 0
}

func TestBadFrames(t *testing.T) {
	good := encodeJPEG(testimg.Smooth(40, 24, 9), encOpts{h: [3]int{2, 1, 1}, v: [3]int{2, 1, 1}, quality: 80, restart: 2})
	sof := segmentAt(t, good, mSOF0)
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cut := func(m byte) []byte { // drop every segment with marker m
		b := bytes.Clone(good)
		for {
			i := bytes.Index(b, []byte{0xff, m})
			if i < 0 || i > bytes.Index(b, []byte{0xff, mSOS}) {
				return b
			}
			n := int(b[i+2])<<8 | int(b[i+3])
			b = append(b[:i], b[i+2+n:]...)
		}
	}
	scanStart := bytes.Index(good, []byte{0xff, mSOS})
	rst := bytes.Index(good, []byte{0xff, mRST0})
	for _, tc := range []struct {
		name string
		data []byte
		want error  // a sentinel the error must wrap, or nil
		text string // else a phrase it must hold
	}{
		{"empty", nil, nil, "not a JPEG"},
		{"png", []byte("\x89PNG\r\n\x1a\n"), nil, "not a JPEG"},
		{"soi only", good[:2], nil, "truncated"},
		{"cut in segment", good[:sof+6], nil, "past the data"},
		{"cut in scan", good[:scanStart+40], ErrTruncated, ""},
		{"no eoi, scan cut at its last byte", good[:len(good)-3], ErrTruncated, ""},
		{"progressive", edit(func(b []byte) []byte { b[sof+1] = 0xc2; return b }), ErrUnsupported, "progressive"},
		{"lossless", edit(func(b []byte) []byte { b[sof+1] = 0xc3; return b }), ErrUnsupported, "lossless"},
		{"arithmetic", edit(func(b []byte) []byte { b[sof+1] = 0xc9; return b }), ErrUnsupported, "arithmetic"},
		{"12-bit", edit(func(b []byte) []byte { b[sof+4] = 12; return b }), ErrUnsupported, "12-bit"},
		{"sampling 3x1", edit(func(b []byte) []byte { b[sof+11] = 0x32; return b }), ErrUnsupported, "sampling"},
		{"sampling 0x1", edit(func(b []byte) []byte { b[sof+11] = 0x01; return b }), nil, "sampling factors 0x1"},
		{"chroma over luma", edit(func(b []byte) []byte { b[sof+11] = 0x11; b[sof+14] = 0x22; return b }), ErrUnsupported, "sampling"},
		{"huge", edit(func(b []byte) []byte { copy(b[sof+5:], []byte{0xff, 0xff, 0xff, 0xff}); return b }), nil, "over the"},
		{"zero width", edit(func(b []byte) []byte { copy(b[sof+7:], []byte{0, 0}); return b }), nil, "width 0"},
		{"DNL height", edit(func(b []byte) []byte { copy(b[sof+5:], []byte{0, 0}); return b }), ErrUnsupported, "DNL"},
		{"no Huffman tables", cut(mDHT), ErrUnsupported, "Huffman"},
		{"no quantization tables", cut(mDQT), nil, "quantization table"},
		{"no frame header", cut(mSOF0), nil, "before the frame header"},
		{"bad restart marker", edit(func(b []byte) []byte { b[rst+1] = mRST0 + 3; return b }), nil, "RST0 missing"},
		{"overfull Huffman table", edit(func(b []byte) []byte {
			i := segmentAt(t, b, mDHT)
			total := 0 // every code moved to length 1
			for k := range 16 {
				total += int(b[i+5+k])
				b[i+5+k] = 0
			}
			b[i+5] = byte(total)
			return b
		}), nil, "more than fit"},
		{"garbage in scan", append(bytes.Clone(good[:scanStart+30]), bytes.Repeat([]byte{0xff, 0x13}, 50)...), nil, ""},
		{"adobe rgb", adobeRGB(t), ErrUnsupported, "RGB"},
	} {
		var d Decoder
		img, err := d.Decode(tc.data, 4)
		switch {
		case err == nil:
			t.Errorf("%s: decoded (%dx%d), want an error", tc.name, img.Width, img.Height)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.text):
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.text)
		case tc.want == nil && errors.Is(err, ErrUnsupported):
			t.Errorf("%s: %v: a broken frame called unsupported would be retried in vain", tc.name, err)
		}
	}
	var d Decoder
	// Like libjpeg (and unlike image/jpeg), a frame whose scans are
	// complete is used without its end-of-image marker.
	if _, err := d.Decode(good[:len(good)-2], 4); err != nil {
		t.Errorf("frame without EOI: %v", err)
	}
	if _, err := d.Decode(good, 3); err == nil {
		t.Error("scale 1/3 accepted")
	}
	if _, err := d.Decode(good, 4); err != nil {
		t.Errorf("the unedited frame: %v", err)
	}
	d.MaxPixels = 40*24 - 1
	if _, err := d.Decode(good, 4); err == nil || !strings.Contains(err.Error(), "over the 959-pixel limit") {
		t.Errorf("frame over MaxPixels: %v", err)
	}
}

// adobeRGB is a frame whose Adobe APP14 segment says its three components
// are R, G and B, not YCbCr.
func adobeRGB(t *testing.T) []byte {
	data := encodeJPEG(testimg.Smooth(16, 16, 3), encOpts{h: [3]int{1, 1, 1}, v: [3]int{1, 1, 1}, quality: 90})
	app0 := segmentAt(t, data, mAPP0)
	n := int(data[app0+2])<<8 | int(data[app0+3])
	adobe := []byte{0xff, mAPPE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
	return append(append(bytes.Clone(data[:app0]), adobe...), data[app0+2+n:]...)
}

// TestFlat: a uniform frame is one value at every scale, exactly.
func TestFlat(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 35, 21))
	for i := range img.Pix {
		img.Pix[i] = []uint8{200, 30, 90, 255}[i%4]
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := ref.(*image.YCbCr).YCbCrAt(3, 3)
	for _, s := range []int{1, 2, 4, 8} {
		var d Decoder
		m, err := d.Decode(buf.Bytes(), s)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range []uint8{want.Y, want.Cb, want.Cr} {
			p := m.Planes[i]
			for y := range p.H {
				for x := range p.W {
					if got := p.Pix[y*p.Stride+x]; got != v {
						t.Fatalf("1/%d plane %d (%d,%d): %d, want %d", s, i, x, y, got, v)
					}
				}
			}
		}
	}
	_ = color.YCbCr{}
}
