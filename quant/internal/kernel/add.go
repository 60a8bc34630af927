package kernel

import (
	"fmt"
	"math"
)

// AddLeftShift is TFLite's left_shift for 8-bit ADD (kernels/add.cc): inputs
// are shifted up 20 bits before their rescaling, to keep precision.
const AddLeftShift = 20

// Add is TFLite's quantized elementwise ADD (reference/integer_ops/add.h,
// AddElementwise) with a clamp: out = clamp(zo + MBQM(MBQM((x-za)<<20,
// multA, shiftA) + MBQM((y-zb)<<20, multB, shiftB), multOut, shiftOut), lo,
// 255), MBQM being MultiplyByQuantizedMultiplier with a right shift only
// (TFLite's ADD multipliers are all below one). Build it with NewAdd.
type Add struct {
	ta, tb  [256]int32 // each byte's rescaled value: the Go twin's tables
	multOut int32
	right   uint
	zo, lo  uint8

	// vec is the amd64 assembly's constants, 16 int32 lanes each
	// (addZA...); neon the arm64 assembly's, 4 lanes each (addNEONZA...).
	vec  [addVecs * 16]int32
	neon [addNEONVecs * 4]int32
}

// Vectors of Add.neon, in the order add_arm64.s loads them.
const (
	addNEONZA    = iota // za in every byte
	addNEONZB           // zb in every byte
	addNEONMultA        // multipliers and minus the right shifts
	addNEONRightA
	addNEONMultB
	addNEONRightB
	addNEONMultO
	addNEONRightO
	addNEONZO // zo in every 16-bit lane
	addNEONLo // lo in every byte
	addNEONVecs
)

// Vectors of Add.vec, in the order add_amd64.s keeps them in Z12..Z31.
// Each input is rescaled as a(x) = RDBP(floor(((x-za)*mult + 2^10) / 2^11),
// right), MBQM of (x-za)<<20 (add_amd64.s derives the folding), as
//
//	((x*hi + c2 + ((x*lo + c1) >> 11)) - [sgn > x]) >> right
//
// with mult = hi*2^11 + lo, c1 = 2^10 - za*lo, c2 = 2^(right-1) - za*hi
// and sgn = za (0 when right is 0: no rounding term); the output's MBQM is
// floor((s*mult + round) / 2^31) - [sgnO > s], then >> right, clamped.
const (
	addSignA = iota // za, or 0 when A has no right shift
	addLA           // A's multiplier & 2047
	addHA           // A's multiplier >> 11
	addC1A          // 2^10 - za*lo
	addC2A          // 2^(right-1) - za*hi
	addRightA
	addSignB // the same for B
	addLB
	addHB
	addC1B
	addC2B
	addRightB
	addMultO  // the output's multiplier
	addRoundO // 2^30 + 2^(30+right) in int64 lanes
	addSignO  // 0, or MinInt32 when the output has no right shift
	addRightO
	addMinO // lo - zo
	addMaxO // 255 - zo
	addZO
	addOne
	addVecs
)

// NewAdd prepares an ADD; multipliers are Q31, zero or at least 2^30, and
// shifts -31..0.
func NewAdd(za, zb uint8, multA int32, shiftA int8, multB int32, shiftB int8, multOut int32, shiftOut int8, zo, lo uint8) (*Add, error) {
	for _, c := range []struct {
		m int32
		s int8
	}{{multA, shiftA}, {multB, shiftB}, {multOut, shiftOut}} {
		if (c.m != 0 && c.m < 1<<30) || c.s < -31 || c.s > 0 {
			return nil, fmt.Errorf("kernel: add multiplier %d shift %d out of range", c.m, c.s)
		}
	}
	a := &Add{multOut: multOut, right: uint(-shiftOut), zo: zo, lo: lo}
	for q := range 256 {
		a.ta[q] = mulRight((int32(q)-int32(za))<<AddLeftShift, multA, uint(-shiftA))
		a.tb[q] = mulRight((int32(q)-int32(zb))<<AddLeftShift, multB, uint(-shiftB))
	}
	set := func(k int, x int32) {
		for l := range 16 {
			a.vec[k*16+l] = x
		}
	}
	for _, c := range []struct {
		z    uint8
		m    int32
		s    int8
		base int
	}{{za, multA, shiftA, addSignA}, {zb, multB, shiftB, addSignB}} {
		right := int32(-c.s)
		hi, lo := c.m>>11, c.m&2047
		// half in int64: for right = 31, int32(1)<<31 would wrap to
		// MinInt32 and make the rounding term negative.
		sign, half := int32(c.z), int32(int64(1)<<right>>1)
		if right == 0 {
			sign = 0
		}
		set(c.base+addSignA-addSignA, sign)
		set(c.base+addLA-addSignA, lo)
		set(c.base+addHA-addSignA, hi)
		set(c.base+addC1A-addSignA, 1<<10-int32(c.z)*lo)
		set(c.base+addC2A-addSignA, half-int32(c.z)*hi)
		set(c.base+addRightA-addSignA, right)
	}
	rightO := int32(-shiftOut)
	round, signO := int64(1)<<30+int64(1)<<(30+rightO), int32(0)
	if rightO == 0 {
		round, signO = 1<<30, math.MinInt32
	}
	set(addMultO, multOut)
	for l := range 8 {
		a.vec[addRoundO*16+2*l] = int32(uint32(round))
		a.vec[addRoundO*16+2*l+1] = int32(round >> 32)
	}
	set(addSignO, signO)
	set(addRightO, rightO)
	set(addMinO, int32(lo)-int32(zo))
	set(addMaxO, 255-int32(zo))
	set(addZO, int32(zo))
	set(addOne, 1)
	setN := func(k int, x int32) {
		for l := range 4 {
			a.neon[k*4+l] = x
		}
	}
	setN(addNEONZA, int32(uint32(za)*0x01010101))
	setN(addNEONZB, int32(uint32(zb)*0x01010101))
	setN(addNEONZO, int32(uint32(zo)*0x00010001))
	setN(addNEONLo, int32(uint32(lo)*0x01010101))
	for i, c := range []struct {
		m int32
		s int8
	}{{multA, shiftA}, {multB, shiftB}, {multOut, shiftOut}} {
		setN(addNEONMultA+2*i, c.m)
		setN(addNEONRightA+2*i, int32(c.s))
	}
	return a, nil
}

// mulRight is MultiplyByQuantizedMultiplier for a multiplier that is zero or
// at least 2^30 and a right shift: gemmlowp's
// SaturatingRoundingDoublingHighMul, which then is floor((x*mult + 2^30) /
// 2^31) and cannot saturate, and RoundingDivideByPOT, half away from zero.
func mulRight(x, mult int32, right uint) int32 {
	v := (int64(x)*int64(mult) + 1<<30) >> 31
	if right > 0 {
		v += 1<<(right-1) - (v>>63)&1
	}
	return int32(v >> right)
}

// Run computes dst[i] = x[i] + y[i] in the quantized sense for i <
// len(dst); x and y must be at least as long.
func (a *Add) Run(dst, x, y []uint8) {
	x, y = x[:len(dst)], y[:len(dst)]
	n := 0
	if hasAddAsm && len(dst) >= 16 {
		n = len(dst) &^ 15
		addAsm(&dst[0], &x[0], &y[0], n/16, a)
	}
	a.runGo(dst[n:], x[n:], y[n:])
}

// runGo is the Go twin: two table lookups and one mulRight per value.
func (a *Add) runGo(dst, x, y []uint8) {
	x, y = x[:len(dst)], y[:len(dst)]
	lo, zo := int64(a.lo), int64(a.zo)
	for i := range dst {
		// int32 sum as TFLite's; it cannot overflow (each term is below
		// 2^28 in magnitude).
		r := int64(mulRight(a.ta[x[i]]+a.tb[y[i]], a.multOut, a.right))
		dst[i] = uint8(min(max(r+zo, lo), 255))
	}
}
