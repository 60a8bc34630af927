package mjpeg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"testing"
)

// colourJPEG encodes a w x h colour picture (three components, so both
// the luminance and the chrominance tables are used).
func colourJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) * 7), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// segments splits a JPEG's header (up to its first scan) into marker
// segments, each with its marker, and returns the rest from the scan on.
func segments(t testing.TB, b []byte) (segs [][]byte, rest []byte) {
	t.Helper()
	i := 2
	for b[i+1] != 0xda {
		n := int(b[i+2])<<8 | int(b[i+3])
		segs = append(segs, b[i:i+2+n])
		i += 2 + n
	}
	return segs, b[i:]
}

// stripDHT removes a JPEG's Huffman tables, as an MJPEG webcam sends its
// frames, in the layout UVC's payload format describes: SOI, an AVI1 APP0,
// DQT, SOF0, then the scan.
func stripDHT(t testing.TB, b []byte) []byte {
	t.Helper()
	segs, rest := segments(t, b)
	out := []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'A', 'V', 'I', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for _, s := range segs {
		if s[1] != 0xc4 {
			out = append(out, s...)
		}
	}
	return append(out, rest...)
}

// huffTables parses DHT segments into their tables, keyed by Tc<<4|Th.
func huffTables(t testing.TB, segs [][]byte) map[byte][]byte {
	t.Helper()
	tabs := map[byte][]byte{}
	for _, s := range segs {
		if s[1] != 0xc4 {
			continue
		}
		p := s[4:]
		for len(p) > 0 {
			n := 0
			for _, c := range p[1:17] {
				n += int(c)
			}
			tabs[p[0]] = p[1 : 17+n]
			p = p[17+n:]
		}
	}
	return tabs
}

// The standard tables are the ones Go's encoder writes (it uses T.81's
// K.3 tables for every image): an independent copy of the same facts.
func TestStdDHTIsTheEncoders(t *testing.T) {
	segs, _ := segments(t, colourJPEG(t, 16, 16))
	want := huffTables(t, segs)
	got := huffTables(t, [][]byte{stdDHT})
	if len(want) != 4 || len(got) != 4 {
		t.Fatalf("%d tables in Go's JPEG, %d in ours", len(want), len(got))
	}
	for k, w := range want {
		if !bytes.Equal(got[k], w) {
			t.Errorf("table Tc/Th %02x: % x, the encoder writes % x", k, got[k], w)
		}
	}
	if n := int(stdDHT[2])<<8 | int(stdDHT[3]); n != len(stdDHT)-2 {
		t.Errorf("DHT length field %d, segment holds %d", n, len(stdDHT)-2)
	}
}

func TestAddHuffman(t *testing.T) {
	orig := colourJPEG(t, 48, 40)
	want, err := jpeg.Decode(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	bare := stripDHT(t, orig)
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("a frame without Huffman tables decodes: the test shows nothing")
	}
	fixed := AddHuffman(nil, bare)
	got, err := jpeg.Decode(bytes.NewReader(fixed))
	if err != nil {
		t.Fatalf("with the standard tables: %v", err)
	}
	if !bytes.Equal(got.(*image.YCbCr).Y, want.(*image.YCbCr).Y) || !bytes.Equal(got.(*image.YCbCr).Cr, want.(*image.YCbCr).Cr) {
		t.Error("the repaired frame decodes to another picture")
	}
	// A frame with tables, and bytes that are no JPEG, pass unchanged.
	for _, b := range [][]byte{orig, nil, {0xff, 0xd8}, bare[:30], {0xff, 0xd8, 0xff, 0xd9, 0xff, 0xda}, []byte("junk")} {
		if out := AddHuffman(nil, b); !bytes.Equal(out, b) {
			t.Errorf("% x changed to % x", b[:min(len(b), 8)], out[:min(len(out), 8)])
		}
	}
}

// The Reader repairs frames as it reads them, in a stream that also holds
// a frame with its tables and one cut short.
func TestReaderAddsTables(t *testing.T) {
	a, b := colourJPEG(t, 32, 24), colourJPEG(t, 64, 48)
	stream := bytes.Join([][]byte{stripDHT(t, a), b, stripDHT(t, a)[:300], stripDHT(t, b)}, nil)
	m := NewReader(bytes.NewReader(stream), 0)
	var sizes []int
	cuts := 0
	for {
		f, err := m.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrCut) {
			cuts++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(f))
		if err != nil {
			t.Fatalf("frame %d: %v", len(sizes), err)
		}
		sizes = append(sizes, img.Bounds().Dx())
	}
	if len(sizes) != 3 || sizes[0] != 32 || sizes[1] != 64 || sizes[2] != 64 || cuts != 1 {
		t.Errorf("frames of widths %v, %d cut; want [32 64 64], 1", sizes, cuts)
	}
	// A frame read with its tables comes out byte for byte.
	m = NewReader(bytes.NewReader(b), 0)
	if f, err := m.Next(); err != nil || !bytes.Equal(f, b) {
		t.Errorf("frame with tables changed: %v", err)
	}
	// The added tables count toward the frame limit.
	bare := stripDHT(t, a)
	m = NewReader(bytes.NewReader(bare), len(bare)+10)
	if _, err := m.Next(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("frame over the limit once repaired: %v", err)
	}
}

// FuzzAddHuffman: any bytes come back unchanged or with exactly the
// standard DHT segment inserted, never a panic.
func FuzzAddHuffman(f *testing.F) {
	f.Add(stripDHT(f, colourJPEG(f, 8, 8)))
	f.Add(colourJPEG(f, 8, 8))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xff, 0xd0, 0xff, 0xda, 0, 2})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		out := AddHuffman(nil, b)
		if bytes.Equal(out, b) {
			return
		}
		i := bytes.Index(out, stdDHT)
		if len(out) != len(b)+len(stdDHT) || i < 2 || !bytes.Equal(append(out[:i:i], out[i+len(stdDHT):]...), b) {
			t.Fatalf("% x became % x", b, out)
		}
	})
}
