package quant

import (
	"fmt"
	"math"
)

// Params quantize one activation tensor: real = Scale * (q - Zero), q a byte.
type Params struct {
	Scale float32
	Zero  uint8
}

// Real dequantizes q.
func (p Params) Real(q uint8) float32 { return p.Scale * float32(int32(q)-int32(p.Zero)) }

// chooseParams maps the real range [lo, hi] onto 0..255. The range is first
// widened to hold 0, so that real zero (ReLU's floor, convolution padding) is
// a byte exactly; the zero point is then rounded to the nearest integer, as
// TFLite's ChooseQuantizationParams (tensorflow/lite/tools/optimize/
// quantization_utils.cc) nudges it.
func chooseParams(lo, hi float64) (Params, error) {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return Params{}, fmt.Errorf("quant: range [%v, %v] is not finite", lo, hi)
	}
	lo, hi = min(lo, 0), max(hi, 0)
	if hi-lo < 1e-30 {
		// A tensor that is zero on every calibration image: any scale
		// represents it; 1 keeps the multipliers ordinary.
		return Params{Scale: 1, Zero: 0}, nil
	}
	scale := (hi - lo) / 255
	zero := math.Round(-lo / scale)
	zero = min(max(zero, 0), 255)
	if float32(scale) == 0 {
		return Params{}, fmt.Errorf("quant: range [%v, %v] too small for float32 scales", lo, hi)
	}
	return Params{Scale: float32(scale), Zero: uint8(zero)}, nil
}

func (p Params) valid() error {
	s := float64(p.Scale)
	if !(s > 0) || math.IsInf(s, 0) {
		return fmt.Errorf("quant: activation scale %v, must be positive and finite", p.Scale)
	}
	return nil
}

// quantize maps a real value to its byte, rounding half away from zero.
func (p Params) quantize(v float64) uint8 {
	q := math.Round(v/float64(p.Scale)) + float64(p.Zero)
	return uint8(min(max(q, 0), 255))
}
