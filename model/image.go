package model

import (
	"fmt"
	"image"
)

// Pixels writes a 32x32 image into dst (InputLen values) as the network's
// input: RGB planes (CHW), each 8-bit value scaled to [0, 1]. Any other size is
// an error: resizing changes what the network sees, so it is the caller's
// explicit choice, not a silent one here.
func Pixels(dst []float32, img image.Image) error {
	b := img.Bounds()
	if b.Dx() != InputSize || b.Dy() != InputSize {
		return fmt.Errorf("model: image is %dx%d, the network takes %dx%d", b.Dx(), b.Dy(), InputSize, InputSize)
	}
	if len(dst) < InputLen {
		return fmt.Errorf("model: pixel buffer holds %d values, need %d", len(dst), InputLen)
	}
	const plane = InputSize * InputSize
	const inv = 1.0 / 255
	for y := 0; y < InputSize; y++ {
		for x := 0; x < InputSize; x++ {
			// RGBA is 16-bit premultiplied; opaque CIFAR images make the
			// high byte the 8-bit sample exactly.
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*InputSize + x
			dst[i] = float32(r>>8) * inv
			dst[plane+i] = float32(g>>8) * inv
			dst[2*plane+i] = float32(bl>>8) * inv
		}
	}
	return nil
}
