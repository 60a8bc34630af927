package quant

import "math"

// requantRow is Conv.requantize for one output channel over a row of GEMM
// accumulators, with the channel's constants hoisted out of the loop: the
// fast path's epilogue. It writes dst[j*stride] for each acc[j] (+ bias) and
// must equal requantize bit for bit (TestConvFastMatchesRef and the network
// tests check it). Two identities make it cheaper than the reference:
// gemmlowp's SaturatingRoundingDoublingHighMul is floor((a*b + 2^30) / 2^31)
// (its nudge and truncation round to nearest, ties up), and cannot saturate
// because multipliers are never negative; RoundingDivideByPOT is a rounded
// shift (roundingConsts).
func (c *Conv) requantRow(dst []uint8, stride int, acc []int32, bias int32, o int) {
	mult := int64(c.Mult[o])
	left, right := uint(0), uint(0)
	if s := int(c.Shift[o]); s > 0 {
		left = uint(min(s, 31))
	} else {
		right = uint(-s)
	}
	half, neg := roundingConsts(right)
	zp, lo := int64(c.Output.Zero), int64(0)
	if c.ReLU {
		lo = zp
	}
	for j, a := range acc {
		x := int64(a + bias) // int32 addition, as the reference's
		if left > 0 {
			x = min(max(x<<left, math.MinInt32), math.MaxInt32)
		}
		v := (x*mult + 1<<30) >> 31
		r := (v + half - (v>>63)&neg) >> right
		dst[j*stride] = uint8(min(max(r+zp, lo), 255))
	}
}

// roundingConsts returns the constants of RoundingDivideByPOT by 2^e as one
// rounded shift: (v + half - (v < 0 ? neg : 0)) >> e. Rounding half away
// from zero adds 2^(e-1) to a positive v and 2^(e-1) - 1 to a negative one
// before flooring; for e = 0 both are zero.
func roundingConsts(e uint) (half, neg int64) {
	if e == 0 {
		return 0, 0
	}
	return 1 << (e - 1), 1
}
