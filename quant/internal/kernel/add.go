package kernel

import (
	"fmt"
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

// Vectors of Add.vec, in the order the assembly reads them.
const (
	addZA = iota // input zero points
	addZB
	addMultA // multiplier, right shift, 2^right-1, (2^right-1)>>1 of A
	addRightA
	addMaskA
	addThrA
	addMultB
	addRightB
	addMaskB
	addThrB
	addMultO
	addRightO
	addMaskO
	addThrO
	addZO // output zero point
	addLo // lower clamp
	addHA // A's multiplier >> 11 and & 2047 (add_amd64.s)
	addLA
	addHB // B's
	addLB
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
	set(addZA, int32(za))
	set(addZB, int32(zb))
	for i, c := range []struct {
		m int32
		s int8
	}{{multA, shiftA}, {multB, shiftB}, {multOut, shiftOut}} {
		right := int64(-c.s)
		set(addMultA+4*i, c.m)
		set(addRightA+4*i, int32(right))
		set(addMaskA+4*i, int32(1<<right-1))
		set(addThrA+4*i, int32(1<<right-1)>>1)
	}
	set(addHA, multA>>11)
	set(addLA, multA&2047)
	set(addHB, multB>>11)
	set(addLB, multB&2047)
	set(addZO, int32(zo))
	set(addLo, int32(lo))
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
