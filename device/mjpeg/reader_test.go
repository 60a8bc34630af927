package mjpeg_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/device/mjpeg"
)

// jpegOf encodes a w x h picture of one grey level.
func jpegOf(t testing.TB, w, h int, v uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v + uint8(i%7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withThumbnail puts a whole JPEG (with its own FFD8 .. FFD9) inside an
// APP1 segment, as an EXIF thumbnail sits: a reader that searched for FFD9
// would cut the frame there.
func withThumbnail(t testing.TB, main, thumb []byte) []byte {
	n := len(thumb) + 2
	seg := append([]byte{0xff, 0xe1, byte(n >> 8), byte(n)}, thumb...)
	out := append([]byte{0xff, 0xd8}, seg...)
	return append(out, main[2:]...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// frames reads a recording to its end: the frames and the errors, in order.
func frames(data []byte, max int) (got [][]byte, errs []error) {
	m := mjpeg.NewReader(bytes.NewReader(data), max)
	for {
		b, err := m.Next()
		if err == io.EOF {
			return got, errs
		}
		if err != nil {
			errs = append(errs, err)
			got = append(got, nil)
			if len(errs) > 10 {
				return got, errs
			}
			continue
		}
		got = append(got, bytes.Clone(b))
	}
}

func TestReader(t *testing.T) {
	a, b, c := jpegOf(t, 32, 24, 10), jpegOf(t, 64, 48, 100), jpegOf(t, 16, 16, 200)
	thumbed := withThumbnail(t, b, c)
	if _, err := jpeg.Decode(bytes.NewReader(thumbed)); err != nil {
		t.Fatalf("the thumbnail test frame is not a JPEG: %v", err)
	}
	boundary := []byte("\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n")
	for _, tc := range []struct {
		name string
		data []byte
		want [][]byte // nil entries: an error there
		errs []error  // what each error wraps
		max  int
	}{
		{"three", cat(a, b, c), [][]byte{a, b, c}, nil, 0},
		{"empty", nil, nil, nil, 0},
		{"garbage between", cat([]byte("junk\xff\x00\xff"), a, boundary, b, []byte{0xff, 0xff, 0x12}, c, []byte("trailing")), [][]byte{a, b, c}, nil, 0},
		{"thumbnail", cat(thumbed, a), [][]byte{thumbed, a}, nil, 0},
		{"cut at end", cat(a, b[:len(b)/2]), [][]byte{a, nil}, []error{mjpeg.ErrCut}, 0},
		{"cut in header", cat(a, b[:5]), [][]byte{a, nil}, []error{mjpeg.ErrCut}, 0},
		{"cut by a new frame", cat(a, b[:len(b)-40], c), [][]byte{a, nil, c}, []error{mjpeg.ErrCut}, 0},
		{"too large", cat(a, b, c), [][]byte{a, nil, c}, []error{mjpeg.ErrTooLarge}, len(a) + 10},
		{"corrupt", cat([]byte{0xff, 0xd8, 0x12, 0x34}, a), [][]byte{nil, a}, []error{mjpeg.ErrCorrupt}, 0},
	} {
		got, errs := frames(tc.data, tc.max)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d frames and errors (%v), want %d", tc.name, len(got), errs, len(tc.want))
			continue
		}
		for i := range got {
			if (got[i] == nil) != (tc.want[i] == nil) || !bytes.Equal(got[i], tc.want[i]) {
				t.Errorf("%s: frame %d: %d bytes, want %d", tc.name, i, len(got[i]), len(tc.want[i]))
			}
		}
		if len(errs) != len(tc.errs) {
			t.Errorf("%s: errors %v, want %v", tc.name, errs, tc.errs)
			continue
		}
		for i := range errs {
			if !errors.Is(errs[i], tc.errs[i]) {
				t.Errorf("%s: error %v, want %v", tc.name, errs[i], tc.errs[i])
			}
		}
	}
	// A cut at the end also says the stream ended unexpectedly.
	if _, errs := frames(b[:100], 0); len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Errorf("cut stream: %v", errs)
	}
}

// FuzzReader: any bytes give frames, errors or the end, never a panic, and
// every frame is SOI .. EOI within the limit.
func FuzzReader(f *testing.F) {
	a := jpegOf(f, 8, 8, 1)
	f.Add(cat(a, a))
	f.Add(cat([]byte("xx\xff"), a[:40], a))
	f.Add(withThumbnail(f, a, a))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := mjpeg.NewReader(bytes.NewReader(data), 4096)
		for range 1000 {
			b, err := m.Next()
			if err == io.EOF {
				return
			}
			if err == nil && (len(b) < 4 || len(b) > 4096+4 || b[0] != 0xff || b[1] != 0xd8 || b[len(b)-2] != 0xff || b[len(b)-1] != 0xd9) {
				t.Fatalf("frame of %d bytes % x ... % x", len(b), b[:min(4, len(b))], b[max(0, len(b)-2):])
			}
		}
		t.Fatal("no end after 1000 calls")
	})
}

// Inside scan data a frame holds stuffed FF 00 bytes and, with a restart
// interval (DRI), the restart markers FF D0 to FF D7 (T.81 B.1.1.5, E.1.4):
// none of them ends the frame, and fill bytes before a marker are dropped.
func TestReaderScanMarkers(t *testing.T) {
	frame := []byte{0xff, 0xd8,
		0xff, 0xdd, 0x00, 0x04, 0x00, 0x02, // DRI: restart every 2 MCUs
		0xff, 0xc4, 0x00, 0x02, // an (empty) DHT, so no tables are added
		0xff, 0xda, 0x00, 0x03, 0x01, // SOS
		0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78, 0xff, 0x00,
		0xff, 0xd9}
	want := slices.Clone(frame)
	in := slices.Insert(slices.Clone(frame), len(frame)-2, 0xff, 0xff) // fill before EOI
	got, errs := frames(cat([]byte("x"), in, frame), 0)
	if len(errs) != 0 || len(got) != 2 || !bytes.Equal(got[0], want) || !bytes.Equal(got[1], want) {
		t.Fatalf("frames % x, errors %v", got, errs)
	}
}
