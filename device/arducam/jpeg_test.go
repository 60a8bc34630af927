package arducam

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
)

func TestJPEGBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want []byte // nil: ErrBadFrame
	}{
		{"plain", []byte{0xFF, 0xD8, 1, 2, 0xFF, 0xD9}, []byte{0xFF, 0xD8, 1, 2, 0xFF, 0xD9}},
		{"leading and trailing bytes", []byte{0, 0xFF, 0xFF, 0xD8, 0xFF, 0x00, 0xFF, 0xD9, 0xFF, 0xD9, 0}, []byte{0xFF, 0xD8, 0xFF, 0x00, 0xFF, 0xD9}},
		{"EOI before SOI is not an end", []byte{0xFF, 0xD9, 0xFF, 0xD8, 0xFF, 0xD9}, []byte{0xFF, 0xD8, 0xFF, 0xD9}},
		{"D8 of SOI does not pair", []byte{0xFF, 0xD8, 0xD9, 0xFF, 0xD9}, []byte{0xFF, 0xD8, 0xD9, 0xFF, 0xD9}},
		{"no SOI", []byte{1, 2, 3, 0xFF, 0xD9}, nil},
		{"no EOI", []byte{0xFF, 0xD8, 1, 2, 0xFF}, nil},
		{"empty", nil, nil},
		{"lone FF", []byte{0xFF}, nil},
	} {
		j := newJPEGBounds()
		got, err := j.frame(tc.in)
		if tc.want == nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Errorf("%s: %v, %v; want ErrBadFrame", tc.name, got, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % X, %v; want % X", tc.name, got, err, tc.want)
		}
	}
}

// FuzzJPEGBounds checks the incremental scan, fed in pieces as a burst read
// feeds it, finds what one scan of the whole finds, and that a frame is
// always SOI..EOI within the input.
func FuzzJPEGBounds(f *testing.F) {
	f.Add([]byte{0, 0xFF, 0xD8, 0xFF, 0x00, 0xFF, 0xD9, 0}, uint8(1))
	f.Add([]byte{0xFF, 0xFF, 0xD8, 0xFF, 0xFF, 0xD9}, uint8(2))
	f.Add([]byte{0xFF, 0xD8, 0xFF}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		whole := newJPEGBounds()
		want, werr := whole.frame(b)
		inc := newJPEGBounds()
		s := max(int(step), 1)
		for n := s; n < len(b); n += s {
			if inc.scan(b[:n]) {
				break
			}
		}
		got, gerr := inc.frame(b)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("in pieces of %d: % X, %v; whole: % X, %v", s, got, gerr, want, werr)
		}
		if werr == nil && (!bytes.HasPrefix(want, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(want, []byte{0xFF, 0xD9}) || len(want) < 4) {
			t.Fatalf("frame % X is not SOI..EOI", want)
		}
	})
}

// FuzzCapture puts arbitrary bytes in the simulated FIFO: a capture returns
// a framed JPEG or ErrBadFrame, and never panics.
func FuzzCapture(f *testing.F) {
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xD9}, uint16(64))
	f.Add([]byte{0xFF}, uint16(2))
	f.Add([]byte{}, uint16(4096))
	f.Fuzz(func(t *testing.T, fifo []byte, maxTx uint16) {
		s := arducamtest.NewRaw(fifo)
		s.MaxTxSize = max(int(maxTx), 2)
		o := fastOpts(device.JPEG, image.Pt(320, 240))
		d, err := New(s.SPI(), s.I2C(), o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.Capture(context.Background())
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v is not ErrBadFrame", err)
			}
			return
		}
		if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(b, []byte{0xFF, 0xD9}) || !bytes.Contains(fifo, b) {
			t.Fatalf("captured % X from FIFO % X", b, fifo)
		}
	})
}
