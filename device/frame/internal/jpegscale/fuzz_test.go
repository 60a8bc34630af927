package jpegscale

import (
	"bytes"
	"errors"
	"image/jpeg"
	"testing"

	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// seeds are valid frames of each sampling, with and without restart
// intervals, one-component scans, grey, and image/jpeg's own output.
func seeds(tb testing.TB) [][]byte {
	var out [][]byte
	for i, smp := range samplings {
		out = append(out,
			encodeJPEG(testimg.Smooth(19, 13, uint64(i)), encOpts{h: smp.h, v: smp.v, quality: 80}),
			encodeJPEG(testimg.Noise(24, 17, uint64(i)), encOpts{h: smp.h, v: smp.v, quality: 60, restart: 1}))
	}
	out = append(out,
		encodeJPEG(testimg.Smooth(17, 9, 1), encOpts{h: [3]int{1, 1, 1}, v: [3]int{1, 1, 1}, quality: 90, separate: true, restart: 2}),
		encodeJPEG(testimg.Smooth(11, 10, 2), encOpts{h: [3]int{1}, v: [3]int{1}, gray: true, quality: 70, restart: 3}))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testimg.Smooth(21, 18, 5), &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return append(out, buf.Bytes())
}

// FuzzDecode: any bytes, at every scale: an error or planes of the size
// the header gives, never a panic. The pixel limit keeps header claims
// small, so the fuzzer explores parsing rather than allocation.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
		f.Add(s[:len(s)/2])         // cut in the scan
		f.Add(s[:len(s)-3])         // cut at the scan's end
		f.Add(s[:min(len(s), 200)]) // cut in the headers
	}
	d := Decoder{MaxPixels: 1 << 14}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []int{8, 2} {
			img, err := d.Decode(data, s)
			if err != nil {
				continue
			}
			if int64(img.Width)*int64(img.Height) > 1<<14 {
				t.Fatalf("%dx%d frame over the limit decoded", img.Width, img.Height)
			}
			for i := range img.Comps {
				p := img.Planes[i]
				if p.W < 1 || p.H < 1 || p.W > p.Stride || len(p.Pix) < (p.H-1)*p.Stride+p.W {
					t.Fatalf("plane %d: %dx%d, stride %d, %d bytes", i, p.W, p.H, p.Stride, len(p.Pix))
				}
			}
		}
	})
}

// TestTruncations: every prefix of a valid frame is an error (a scan cut
// anywhere is ErrTruncated), or, cut only in the end-of-image marker, the
// whole image.
func TestTruncations(t *testing.T) {
	for si, data := range seeds(t) {
		var d Decoder
		whole, err := d.Decode(data, 2)
		if err != nil {
			t.Fatalf("seed %d: %v", si, err)
		}
		want := append([]uint8(nil), whole.Planes[0].Pix...)
		sos := bytes.LastIndex(data, []byte{0xff, mSOS})
		for n := range len(data) - 2 {
			img, err := d.Decode(data[:n], 2)
			switch {
			case err == nil:
				if !bytes.Equal(img.Planes[0].Pix, want) {
					t.Errorf("seed %d cut at %d of %d: decoded to other samples", si, n, len(data))
				}
				// Only the last scan's final stuffing/padding may go.
				if n < len(data)-3 {
					t.Errorf("seed %d cut at %d of %d: no error", si, n, len(data))
				}
			case n > sos+14 && !errors.Is(err, ErrTruncated) && !bytes.Contains(data[n-1:n], []byte{0xff}):
				// In the scan data the only outcome is ErrTruncated, save
				// a cut right after an FF byte, which reads as a marker.
				if !errors.Is(err, errBadCode) {
					t.Errorf("seed %d cut at %d of %d in the scan: %v", si, n, len(data), err)
				}
			}
		}
	}
}
