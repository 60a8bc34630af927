package quant

import (
	"math"

	"github.com/edgecache/edgecache/model"
)

// quantizeInput normalises one image (pixels in [0, 1], CHW) and quantizes
// it into dst as HWC bytes. The arithmetic is float64 with no multiply-add a
// compiler could fuse, so amd64 and arm64 produce the same bytes.
func (m *Model) quantizeInput(dst []uint8, pixels []float32) {
	const plane = model.InputSize * model.InputSize
	scale, zero := float64(m.Input.Scale), float64(m.Input.Zero)
	for c := range model.InputChannels {
		for p := range plane {
			i := c*plane + p
			v := (float64(pixels[i]) - m.normMean[i]) / m.normStd[i]
			q := math.Round(v/scale) + zero
			if !(q >= 0) { // also maps NaN to 0
				q = 0
			}
			dst[p*model.InputChannels+c] = uint8(min(q, 255))
		}
	}
}
