package quant

import "math"

// requantRow is Conv.requantize for one output channel over a row of GEMM
// accumulators, with the channel's constants hoisted out of the loop: the
// fast path's epilogue. It writes dst[j*stride] for each acc[j] (+ bias) and
// must equal requantize bit for bit (TestConvFastMatchesRef and the network
// tests check it). Two identities make it cheaper than the reference:
// gemmlowp's SaturatingRoundingDoublingHighMul is floor((a*b + 2^30) / 2^31)
// (its nudge and truncation round to nearest, ties up), and cannot saturate
// because multipliers are never negative; RoundingDivideByPOT is unchanged.
func (c *Conv) requantRow(dst []uint8, stride int, acc []int32, bias int32, o int) {
	mult := int64(c.Mult[o])
	left, right := uint(0), uint(0)
	if s := int(c.Shift[o]); s > 0 {
		left = uint(min(s, 31))
	} else {
		right = uint(-s)
	}
	mask := int32(int64(1)<<right - 1)
	half := mask >> 1
	zp, lo := int32(c.Output.Zero), int32(0)
	if c.ReLU {
		lo = zp
	}
	for j, a := range acc {
		x := int64(a + bias) // int32 addition, as the reference's
		if left > 0 {
			x = min(max(x<<left, math.MinInt32), math.MaxInt32)
		}
		v := int32((x*mult + 1<<30) >> 31)
		r := v >> right
		thr := half + int32(uint32(v)>>31)   // one more for negative v
		r += int32(uint32(thr-v&mask) >> 31) // remainder above threshold
		dst[j*stride] = uint8(min(max(r+zp, lo), 255))
	}
}
