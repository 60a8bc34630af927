package jpegscale

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"testing"

	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// BenchmarkDecode: a 320x240 camera frame (image/jpeg's encoder, quality
// 85, 4:2:0) at each scale, beside image/jpeg's full decode of the same
// bytes in the same run.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testimg.Smooth(320, 240, 21), &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("image-jpeg", func(b *testing.B) {
		b.ReportAllocs()
		var r bytes.Reader
		for b.Loop() {
			r.Reset(data)
			if _, err := jpeg.Decode(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, s := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("1-%d", s), func(b *testing.B) {
			var d Decoder
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(data, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNoAllocs: after the first frame, a Decoder allocates nothing.
func TestNoAllocs(t *testing.T) {
	data := encodeJPEG(testimg.Smooth(64, 48, 1), encOpts{h: [3]int{2, 1, 1}, v: [3]int{2, 1, 1}, quality: 85, restart: 4})
	var d Decoder
	for _, s := range []int{4, 2} {
		if _, err := d.Decode(data, s); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() {
			if _, err := d.Decode(data, s); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("1/%d: %v allocations per frame", s, n)
		}
	}
}
