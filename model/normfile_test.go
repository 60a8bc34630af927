package model

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
)

func perPixelNorm() Norm {
	n := Norm{Mean: make([]float32, InputLen), Std: make([]float32, InputLen)}
	for i := range n.Mean {
		n.Mean[i] = float32(i%251) / 256
		n.Std[i] = 0.1 + float32(i%97)/400
	}
	return n
}

func TestNormRoundTrip(t *testing.T) {
	for _, n := range []Norm{perPixelNorm(), {Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}} {
		var b bytes.Buffer
		if err := WriteNorm(&b, n); err != nil {
			t.Fatal(err)
		}
		if want := 16 + 8*len(n.Mean) + 4; b.Len() != want {
			t.Errorf("file of %d bytes, want %d", b.Len(), want)
		}
		got, err := ReadNorm(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Mean, n.Mean) || !slices.Equal(got.Std, n.Std) {
			t.Errorf("round trip changed the values")
		}
	}
}

func TestNormErrors(t *testing.T) {
	var b bytes.Buffer
	if err := WriteNorm(&b, perPixelNorm()); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	// resum rewrites the checksum so that a test reaches the check after it.
	resum := func(f []byte) []byte {
		binary.LittleEndian.PutUint32(f[len(f)-4:], crc32.ChecksumIEEE(f[:len(f)-4]))
		return f
	}
	edit := func(fn func([]byte) []byte) []byte { return fn(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"other file", []byte("GIF89a............"), "bad magic"},
		{"truncated", good[:len(good)-7], "truncated"},
		{"trailing", append(bytes.Clone(good), 0), "trailing"},
		{"flipped value", edit(func(f []byte) []byte { f[100] ^= 1; return f }), "checksum"},
		{"version", edit(func(f []byte) []byte { f[8] = 2; return resum(f) }), "version 2"},
		{"count", edit(func(f []byte) []byte { f[12] = 4; return resum(f) }), "values per array"},
		{"zero std", edit(func(f []byte) []byte {
			clear(f[16+4*InputLen : 16+4*InputLen+4])
			return resum(f)
		}), "must be positive"},
		{"NaN mean", edit(func(f []byte) []byte {
			binary.LittleEndian.PutUint32(f[16:], 0x7fc00000)
			return resum(f)
		}), "not finite"},
	} {
		_, err := ReadNorm(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "model: ") {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
	if err := WriteNorm(&bytes.Buffer{}, Norm{Mean: []float32{1}, Std: []float32{1}}); err == nil {
		t.Error("WriteNorm took 1 value")
	}
}

func FuzzReadNorm(f *testing.F) {
	for _, n := range []Norm{perPixelNorm(), {Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{0.2, 0.2, 0.2}}} {
		var b bytes.Buffer
		if err := WriteNorm(&b, n); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte(normMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ReadNorm(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever is accepted must be valid and write back identically.
		if err := n.validate(); err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		if err := WriteNorm(&w, n); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.Bytes(), b) {
			t.Fatal("accepted file does not write back identically")
		}
	})
}
