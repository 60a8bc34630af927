package quant

import (
	"encoding/binary"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant/internal/kernel"
)

// stemInput is the fast path's input: the image normalized and quantized as
// quantizeInput does (kernel.Normalize, the same float64 operations), then
// laid out for the stem. Where the stem reads a padded copy in place (VNNI),
// the bytes go straight into it, so the image is neither copied nor padded
// again: pad's border and extra channels hold the input zero point from
// newStemInput on, and only the interior is written per image. Elsewhere
// they go to hwc, the HWC image the stem's im2col reads.
type stemInput struct {
	chw       []uint8 // the quantized image, CHW as the pixels
	pad       []uint8 // nil when the stem does not read in place
	pw, in    int     // padded row width in pixels, channels per pixel
	top, left int
	hwc       []uint8
}

func newStemInput(m *Model) *stemInput {
	s := &stemInput{chw: make([]uint8, model.InputLen)}
	ok, ph, pw, in := m.Stem.readsPadded(model.InputSize, model.InputSize)
	if !ok {
		s.hwc = make([]uint8, model.InputLen)
		return s
	}
	s.top, s.left, _, _ = m.Stem.geometry().Pads(model.InputSize, model.InputSize)
	s.pad, s.pw, s.in = make([]uint8, ph*pw*in), pw, in
	fill(s.pad, m.Stem.Input.Zero)
	return s
}

// load quantizes one image (pixels in [0, 1], CHW).
func (s *stemInput) load(m *Model, pixels []float32) {
	kernel.Normalize(s.chw, pixels, m.normMean, m.normStd, float64(m.Input.Scale), float64(m.Input.Zero))
	const plane = model.InputSize * model.InputSize
	const ch = model.InputChannels
	r, g, b := s.chw[:plane], s.chw[plane:2*plane], s.chw[2*plane:3*plane]
	if s.pad == nil {
		for p := range plane {
			s.hwc[p*ch], s.hwc[p*ch+1], s.hwc[p*ch+2] = r[p], g[p], b[p]
		}
		return
	}
	zp := uint32(m.Stem.Input.Zero)
	for y := range model.InputSize {
		row := s.pad[((s.top+y)*s.pw+s.left)*s.in:][:model.InputSize*s.in]
		for x := range model.InputSize {
			p := y*model.InputSize + x
			if s.in == 4 {
				// One store per pixel; the fourth channel keeps the zero point.
				binary.LittleEndian.PutUint32(row[x*4:], uint32(r[p])|uint32(g[p])<<8|uint32(b[p])<<16|zp<<24)
			} else {
				row[x*s.in], row[x*s.in+1], row[x*s.in+2] = r[p], g[p], b[p]
			}
		}
	}
}
