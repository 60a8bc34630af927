package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// FuzzBinary checks a batch file's bytes as CIFAR-10 (hundred false) or
// CIFAR-100 records: either a "dataset: <file>:" error or records whose
// labels are in range and whose pixels load into [0, 1].
func FuzzBinary(f *testing.F) {
	f.Add(record(1, 3), false)
	f.Add(slices.Concat(record(1, 9), record(2, 0)), false)
	f.Add(record(1, 10), false)
	f.Add(record(1, 3)[:100], false)
	f.Add([]byte{}, false)
	f.Add(slices.Concat(record(1, 19, 99), record(2, 0, 0)), true)
	f.Add(record(1, 20, 5), true)
	f.Add(record(1, 3), true)
	f.Fuzz(func(t *testing.T, data []byte, hundred bool) {
		l, classes := layout10, 10
		if hundred {
			l, classes = layout100, 100
		}
		labels, err := parseBinary("fuzz.bin", data, l, classes, coarse100)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dataset: fuzz.bin: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(labels)*l.record != len(data) {
			t.Fatalf("%d records from %d bytes", len(labels), len(data))
		}
		src := &binSource{layout: l, files: []binFile{{"fuzz.bin", data}}, first: []int{0}, labels: labels}
		s := newSet(l.format, "test", make([]string, classes), src, nil)
		px := make([]float32, model.InputLen)
		for i := range s.Len() {
			if lab := s.Label(i); lab < 0 || lab >= classes {
				t.Fatalf("record %d: label %d", i, lab)
			}
			if err := s.Load(i, px); err != nil {
				t.Fatal(err)
			}
			for j, v := range px {
				if v < 0 || v > 1 || v != unit[data[i*l.record+l.record-pixelBytes+j]] {
					t.Fatalf("record %d value %d = %v", i, j, v)
				}
			}
		}
	})
}

// FuzzImage decodes bytes as an ImageFolder image: either an error, or
// pixels identical to those of the standard decoders and model.Pixels.
func FuzzImage(f *testing.F) {
	rgb := randomImage(32, 32, 1, false)
	gray := image.NewGray(rgb.Bounds())
	pal := image.NewPaletted(rgb.Bounds(), color.Palette{color.Black, color.White, color.RGBA{200, 10, 30, 255}})
	deep := image.NewRGBA64(rgb.Bounds())
	for i := range gray.Pix {
		gray.Pix[i] = byte(i * 5)
		pal.Pix[i] = byte(i % 3)
	}
	for i := range deep.Pix {
		deep.Pix[i] = byte(i * 13)
	}
	seeds := [][]byte{
		encodePNG(f, rgb), encodePNG(f, randomImage(32, 32, 2, true)), encodePNG(f, gray),
		encodePNG(f, pal), encodePNG(f, deep), encodePNG(f, randomImage(31, 32, 3, false)),
		encodeJPEG(f, rgb), encodeJPEG(f, gray), encodeJPEG(f, randomImage(8, 40, 4, false)),
		[]byte("\x89PNG\r\n\x1a\n"), {0xff, 0xd8}, []byte("GIF89a"),
	}
	for _, s := range seeds[:7] {
		seeds = append(seeds, s[:len(s)/2])
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJPEGSize(t, data)
		px := make([]float32, model.InputLen+1)
		px[model.InputLen] = -3 // guard
		if err := decodeImage(data, px[:model.InputLen]); err != nil {
			return
		}
		if px[model.InputLen] != -3 {
			t.Fatal("wrote past the image")
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decodeImage accepted what image.Decode rejects: %v", err)
		}
		want := make([]float32, model.InputLen)
		if err := model.Pixels(want, img); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(px[:model.InputLen], want) {
			t.Fatalf("%T: pixels differ from model.Pixels", img)
		}
	})
}

// checkJPEGSize: jpegSize finds the frame header the decoder uses, so the
// size check before decoding cannot be fooled into a huge allocation.
func checkJPEGSize(t *testing.T, data []byte) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return
	}
	w, h, ok := jpegSize(data)
	if ok && (w != cfg.Width || h != cfg.Height) {
		t.Fatalf("jpegSize %dx%d, DecodeConfig %dx%d", w, h, cfg.Width, cfg.Height)
	}
	if cfg.Width*cfg.Height > 64*64 {
		return // too big to decode in a fuzz run
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return
	}
	if b := img.Bounds(); !ok || w != b.Dx() || h != b.Dy() {
		t.Fatalf("jpegSize %dx%d (ok %v), decoded %v", w, h, ok, b)
	}
}
