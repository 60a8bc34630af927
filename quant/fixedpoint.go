package quant

import (
	"math"
)

// This file transcribes TensorFlow Lite's fixed-point helpers
// (tensorflow/lite/kernels/internal/quantization_util.cc for
// QuantizeMultiplier, tensorflow/lite/kernels/internal/common.h for
// MultiplyByQuantizedMultiplier, and gemmlowp/fixedpoint/fixedpoint.h, which
// common.h includes, for SaturatingRoundingDoublingHighMul and
// RoundingDivideByPOT). TFLite's default build (without
// TFLITE_SINGLE_ROUNDING) rounds twice, as here.

// quantizeMultiplier expresses a positive real multiplier as q * 2^shift with
// q a Q31 fixed-point number in [0.5, 1), as TFLite's QuantizeMultiplier:
// frexp, round q*2^31 half away from zero (TfLiteRound is std::round), carry
// a rounded-up 1.0 into the shift, and flush multipliers below 2^-31 to zero.
func quantizeMultiplier(real float64) (mult int32, shift int) {
	if real == 0 {
		return 0, 0
	}
	q, shift := math.Frexp(real)
	fixed := int64(math.Round(q * (1 << 31)))
	if fixed == 1<<31 {
		fixed /= 2
		shift++
	}
	if shift < -31 {
		return 0, 0
	}
	return int32(fixed), shift
}

// saturatingRoundingDoublingHighMul returns the high 32 bits of 2*a*b,
// rounded to nearest (ties away from zero), saturating the single overflow
// case a = b = MinInt32 (gemmlowp).
func saturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	// Go's integer division truncates toward zero, as C++'s does.
	return int32((ab + nudge) / (1 << 31))
}

// roundingDivideByPOT divides by 2^exponent (0..31), rounding to nearest with
// ties away from zero (gemmlowp).
func roundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(int64(1)<<exponent - 1)
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	out := x >> exponent
	if remainder > threshold {
		out++
	}
	return out
}

// multiplyByQuantizedMultiplier computes round(x * mult * 2^(shift-31)) as
// TFLite's MultiplyByQuantizedMultiplier: a left shift for positive shifts,
// the doubling high multiply, then a rounding right shift. Where TFLite's
// x * (1 << left_shift) would overflow int32 (undefined behaviour in C++), the
// product saturates here; every such x is far outside the uint8 range after
// scaling, so the clamp that follows gives the same byte either way.
func multiplyByQuantizedMultiplier(x, mult int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	if left > 0 {
		// Past 31 bits every non-zero x saturates anyway; capping keeps the
		// int64 shift from overflowing.
		s := int64(x) << min(left, 31)
		switch {
		case s > math.MaxInt32:
			x = math.MaxInt32
		case s < math.MinInt32:
			x = math.MinInt32
		default:
			x = int32(s)
		}
	}
	return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, mult), right)
}
