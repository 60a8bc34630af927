package quant

import (
	"math"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// TestStemInputMatchesRef checks that the fast path's input bytes, in the
// padded layout the stem reads in place (or HWC where it does not), are
// quantizeInput's, on images with out-of-range values, infinities and NaN,
// for per-channel and per-pixel normalisation; and that the padded copy's
// border and extra channels keep the zero point image after image.
func TestStemInputMatchesRef(t *testing.T) {
	for _, perPixel := range []bool{false, true} {
		net := testNet(t, 8, false, model.PadSymmetric, 3)
		m := quantized(t, net, MinMax, smoothPixels(2, 1))
		if perPixel {
			n := model.Norm{Mean: make([]float32, model.InputLen), Std: make([]float32, model.InputLen)}
			for i := range n.Mean {
				n.Mean[i], n.Std[i] = 0.4+float32(i%7)*0.02, 0.2+float32(i%11)*0.01
			}
			m.Norm = n
			if err := m.prepare(); err != nil {
				t.Fatal(err)
			}
		}
		s := newStemInput(m)
		ok, ph, pw, in := m.Stem.readsPadded(model.InputSize, model.InputSize)
		if ok != (s.pad != nil) {
			t.Fatalf("stem reads padded %v, input padded %v", ok, s.pad != nil)
		}
		top, left, _, _ := m.Stem.geometry().Pads(model.InputSize, model.InputSize)
		want := make([]uint8, model.InputLen)
		for img, px := range [][]float32{smoothPixels(1, 5), randomPixels(1, 9), specialPixels()} {
			m.quantizeInput(want, px)
			s.load(m, px)
			if s.pad == nil {
				for i := range want {
					if s.hwc[i] != want[i] {
						t.Fatalf("per-pixel %v image %d: byte %d = %d, want %d", perPixel, img, i, s.hwc[i], want[i])
					}
				}
				continue
			}
			zp := m.Stem.Input.Zero
			for y := range ph {
				for x := range pw {
					for c := range in {
						got, w := s.pad[(y*pw+x)*in+c], zp
						iy, ix := y-top, x-left
						if iy >= 0 && iy < model.InputSize && ix >= 0 && ix < model.InputSize && c < model.InputChannels {
							w = want[(iy*model.InputSize+ix)*model.InputChannels+c]
						}
						if got != w {
							t.Fatalf("per-pixel %v image %d: padded (%d, %d) channel %d = %d, want %d", perPixel, img, y, x, c, got, w)
						}
					}
				}
			}
		}
	}
}

func specialPixels() []float32 {
	px := randomPixels(1, 4)
	for i, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -3, 7, 0, 1, 0.5} {
		for j := i; j < len(px); j += 97 {
			px[j] = v
		}
	}
	return px
}
