//go:build arm.7 && !noasm

#include "textflag.h"

// requantNEON is GemmRequant's epilogue on armv7 with NEON, the twin of
// requant_arm64.s (the Go twin is Requant.requantRow): TFLite's
// MultiplyByQuantizedMultiplier on 4 channels x 4 pixels of int32 sums at a
// time, each step one instruction with the same semantics as arm64's:
//
//	x = sum + bias                    VADD.I32 (wrapping, as TFLite's)
//	x = sat(x << left)                VQSHL.S32 by register
//	x = (2*x*mult + 2^31) >> 32       VQRDMULH.S32: gemmlowp's
//	                                  SaturatingRoundingDoublingHighMul
//	                                  (saturates only for mult = -2^31,
//	                                  and multipliers are >= 0)
//	x = x - (x < 0 && right > 0)      VAND with -right, VSHR.S32 #31, VQADD
//	x = (x + 2^(right-1)) >> right    VRSHL.S32 by -right; together
//	                                  gemmlowp's RoundingDivideByPOT, half
//	                                  away from zero
//	x = clamp(x + zero, lo, 255)      VQADD.S32, VMAX.S32, VMIN.S32
//
// Sums arrive channel-major (Gemm's layout), bytes leave pixel-major (HWC):
// each 4x4 block is transposed (VTRN.32, then VSWP of the crossing
// halves), narrowed (VMOVN twice) and stored as 4 bytes per pixel, ldd
// apart (VST1.32 of one lane has no alignment requirement without an
// alignment qualifier, and Linux runs ARMv6 and later with unaligned
// access allowed, SCTLR.A = 0).
//
// Encodings: ARM Architecture Reference Manual ARMv7-A and ARMv7-R edition
// (DDI 0406C), A8.8 "Alphabetical list of instructions" (VADD (integer),
// VQSHL (register), VQRDMULH, VAND (register), VSHR, VQADD, VRSHL, VMAX and
// VMIN (integer), VTRN, VSWP, VMOVN, VLD1, VST1 (single element from one
// lane)), Advanced SIMD encodings, cross-checked with llvm-mc
// -triple=armv7a -mattr=+neon -show-encoding.
//
// Registers: Q0-Q3 the block; Q4-Q7 scratch; Q8 bias, Q9 multiplier, Q10
// left shift, Q11 minus the right shift of the group's 4 channels; Q12
// zero point, Q13 lower clamp, Q14 255.

// Q0..Q3 hold channels 0..3 of the group, 4 pixels each; afterwards pixels
// 0..3, 4 channels each.
#define TRANSPOSE \
	WORD $0xf3ba00c2 /* VTRN.32 Q0, Q1 */ \
	WORD $0xf3ba40c6 /* VTRN.32 Q2, Q3 */ \
	WORD $0xf3b21004 /* VSWP D1, D4 */ \
	WORD $0xf3b23006 /* VSWP D3, D6 */

// Requantize Q0..Q3 (Q4..Q7 scratch).
#define REQUANT \
	WORD $0xf2200860 /* VADD.I32 Q0, Q0, Q8 */ \
	WORD $0xf22404d0 /* VQSHL.S32 Q0, Q0, Q10 */ \
	WORD $0xf3200b62 /* VQRDMULH.S32 Q0, Q0, Q9 */ \
	WORD $0xf2008176 /* VAND Q4, Q0, Q11 */ \
	WORD $0xf2a18058 /* VSHR.S32 Q4, Q4, #31 */ \
	WORD $0xf2200058 /* VQADD.S32 Q0, Q0, Q4 */ \
	WORD $0xf22605c0 /* VRSHL.S32 Q0, Q0, Q11 */ \
	WORD $0xf2200078 /* VQADD.S32 Q0, Q0, Q12 */ \
	WORD $0xf220066a /* VMAX.S32 Q0, Q0, Q13 */ \
	WORD $0xf220067c /* VMIN.S32 Q0, Q0, Q14 */ \
	WORD $0xf2222860 /* VADD.I32 Q1, Q1, Q8 */ \
	WORD $0xf22424d2 /* VQSHL.S32 Q1, Q1, Q10 */ \
	WORD $0xf3222b62 /* VQRDMULH.S32 Q1, Q1, Q9 */ \
	WORD $0xf202a176 /* VAND Q5, Q1, Q11 */ \
	WORD $0xf2a1a05a /* VSHR.S32 Q5, Q5, #31 */ \
	WORD $0xf222205a /* VQADD.S32 Q1, Q1, Q5 */ \
	WORD $0xf22625c2 /* VRSHL.S32 Q1, Q1, Q11 */ \
	WORD $0xf2222078 /* VQADD.S32 Q1, Q1, Q12 */ \
	WORD $0xf222266a /* VMAX.S32 Q1, Q1, Q13 */ \
	WORD $0xf222267c /* VMIN.S32 Q1, Q1, Q14 */ \
	WORD $0xf2244860 /* VADD.I32 Q2, Q2, Q8 */ \
	WORD $0xf22444d4 /* VQSHL.S32 Q2, Q2, Q10 */ \
	WORD $0xf3244b62 /* VQRDMULH.S32 Q2, Q2, Q9 */ \
	WORD $0xf204c176 /* VAND Q6, Q2, Q11 */ \
	WORD $0xf2a1c05c /* VSHR.S32 Q6, Q6, #31 */ \
	WORD $0xf224405c /* VQADD.S32 Q2, Q2, Q6 */ \
	WORD $0xf22645c4 /* VRSHL.S32 Q2, Q2, Q11 */ \
	WORD $0xf2244078 /* VQADD.S32 Q2, Q2, Q12 */ \
	WORD $0xf224466a /* VMAX.S32 Q2, Q2, Q13 */ \
	WORD $0xf224467c /* VMIN.S32 Q2, Q2, Q14 */ \
	WORD $0xf2266860 /* VADD.I32 Q3, Q3, Q8 */ \
	WORD $0xf22464d6 /* VQSHL.S32 Q3, Q3, Q10 */ \
	WORD $0xf3266b62 /* VQRDMULH.S32 Q3, Q3, Q9 */ \
	WORD $0xf206e176 /* VAND Q7, Q3, Q11 */ \
	WORD $0xf2a1e05e /* VSHR.S32 Q7, Q7, #31 */ \
	WORD $0xf226605e /* VQADD.S32 Q3, Q3, Q7 */ \
	WORD $0xf22665c6 /* VRSHL.S32 Q3, Q3, Q11 */ \
	WORD $0xf2266078 /* VQADD.S32 Q3, Q3, Q12 */ \
	WORD $0xf226666a /* VMAX.S32 Q3, Q3, Q13 */ \
	WORD $0xf226667c /* VMIN.S32 Q3, Q3, Q14 */

// D0 = pixels 0 and 1, D1 = pixels 2 and 3, 4 bytes each.
#define NARROW \
	WORD $0xf3b68200 /* VMOVN.I32 D8, Q0 */ \
	WORD $0xf3b69202 /* VMOVN.I32 D9, Q1 */ \
	WORD $0xf3b6a204 /* VMOVN.I32 D10, Q2 */ \
	WORD $0xf3b6b206 /* VMOVN.I32 D11, Q3 */ \
	WORD $0xf3b20208 /* VMOVN.I16 D0, Q4 */ \
	WORD $0xf3b2120a /* VMOVN.I16 D1, Q5 */

// func requantNEON(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int)
TEXT ·requantNEON(SB), NOSPLIT, $0-32
	MOVW acc+0(FP), R0
	MOVW nc+4(FP), R1
	MOVW dst+8(FP), R2
	MOVW ldd+12(FP), R3
	MOVW vec+16(FP), R4
	MOVW groups+20(FP), R5
	MOVW lim+24(FP), R6
	WORD $0xf466828d // VLD1.32 {D24, D25, D26, D27}, [R6]!
	WORD $0xf466ca8f // VLD1.32 {D28, D29}, [R6]
	MOVW R1<<2, R1 // one channel's row of sums, in bytes

group:
	// The group's constants, R4 moving on to the next group's.
	WORD $0xf464028d // VLD1.32 {D16, D17, D18, D19}, [R4]!
	WORD $0xf464428d // VLD1.32 {D20, D21, D22, D23}, [R4]!
	MOVW R0, R7
	MOVW R2, R6
	MOVW quads+28(FP), R9

pixels:
	// Channel c's next 4 sums from R7 + c*R1.
	MOVW R7, R8
	WORD $0xf4280a81 // VLD1.32 {D0, D1}, [R8], R1
	WORD $0xf4282a81 // VLD1.32 {D2, D3}, [R8], R1
	WORD $0xf4284a81 // VLD1.32 {D4, D5}, [R8], R1
	WORD $0xf4286a8f // VLD1.32 {D6, D7}, [R8]
	ADD $16, R7, R7
	TRANSPOSE
	REQUANT
	NARROW
	// Pixel p's 4 bytes at R6, then R6 += ldd.
	WORD $0xf4860803 // VST1.32 {D0[0]}, [R6], R3
	WORD $0xf4860883 // VST1.32 {D0[1]}, [R6], R3
	WORD $0xf4861803 // VST1.32 {D1[0]}, [R6], R3
	WORD $0xf4861883 // VST1.32 {D1[1]}, [R6], R3
	SUB.S $1, R9, R9
	BNE pixels

	ADD R1<<2, R0, R0 // the next 4 channels' rows
	ADD $4, R2, R2    // and their bytes in each pixel
	SUB.S $1, R5, R5
	BNE group
	RET
