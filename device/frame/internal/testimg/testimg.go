// Package testimg makes the synthetic pictures device/frame and its JPEG
// decoder are tested and benchmarked on, so both see the same ones.
package testimg

import (
	"image"
	"math"
	"math/rand/v2"
)

// Smooth is a w x h picture of gentle gradients with mild noise (6 levels),
// away from the clipping edges of the YCbCr cube: what a camera mostly
// sees.
func Smooth(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	p := [3]float64{rng.Float64() * 6, rng.Float64() * 6, rng.Float64() * 6}
	for y := range h {
		for x := range w {
			for c := range 3 {
				v := 128 + 80*math.Sin(p[c]+float64(x)*0.05*float64(c+1)+float64(y)*0.03) + rng.NormFloat64()*6
				img.Pix[y*img.Stride+4*x+c] = uint8(max(0, min(255, math.Round(v))))
			}
			img.Pix[y*img.Stride+4*x+3] = 255
		}
	}
	return img
}

// Noise is uniform random 8-bit samples, opaque: every DCT coefficient
// busy, the hardest case for any shortcut, and a full JPEG decode clamping
// its ringing at 0 and 255.
func Noise(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}
