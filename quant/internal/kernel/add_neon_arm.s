//go:build arm.7 && !noasm

#include "textflag.h"

// addNEON is Add.Run on armv7 with NEON (the Go twin is Add.runGo), the
// twin of add_arm64.s: TFLite's 8-bit ADD (reference/integer_ops/add.h) on
// 8 bytes per step, in int32 lanes:
//
//	a = MBQM((x - za) << 20, multA, shiftA)   VSUBL.U8 to 16 bits, VSHL.I16
//	b = MBQM((y - zb) << 20, multB, shiftB)   #4 (|x-za| <= 255, so 255*16
//	                                          fits), VSHLL.S16 #16 to 32
//	r = MBQM(a + b, multOut, shiftOut)        VADD.I32: |a|, |b| < 2^28
//	out = clamp(r + zo, lo, 255)              VQMOVN.S32 to 16 bits, VQADD.S16
//	                                          zo, VQMOVUN.S16 to bytes,
//	                                          VMAX.U8 lo
//
// MBQM with a right shift only (TFLite's ADD multipliers are below one) is
// VQRDMULH.S32 and the rounding shift VRSHL.S32 with gemmlowp's fix-up
// (VAND, VSHR.S32 #31, VQADD.S32), as in requant_neon_arm.s. The saturating
// narrows keep the order of values outside 16 bits, so the clamp is exact.
//
// Encodings: ARM Architecture Reference Manual ARMv7-A and ARMv7-R edition
// (DDI 0406C), A8.8 "Alphabetical list of instructions" (VSUBL, VSHL
// (immediate), VSHLL (encoding A2, shift by the element size), VQRDMULH,
// VAND (register), VSHR, VQADD, VRSHL, VADD (integer), VQMOVN and VQMOVUN,
// VMAX (integer), VLD1, VST1), Advanced SIMD encodings, cross-checked with
// llvm-mc -triple=armv7a -mattr=+neon -show-encoding.
//
// Registers: D16 za and D17 zb in every byte, D18 lo in every byte, D19 zo
// in every halfword; Q10 multA, Q11 minus A's right shift, Q12 and Q13 the
// same for B, Q14 and Q15 for the output. D0 x, D1 y; Q2, Q3 a; Q4, Q5 b;
// Q1, Q6, Q7 scratch.

// 8 bytes of x (R1) and y (R2) to dst (R0), the pointers moving on.
#define HALF \
	WORD $0xf421070d /* VLD1.8 {D0}, [R1]! */ \
	WORD $0xf422170d /* VLD1.8 {D1}, [R2]! */ \
	WORD $0xf3802220 /* VSUBL.U8 Q1, D0, D16 */ \
	WORD $0xf2942552 /* VSHL.I16 Q1, Q1, #4 */ \
	WORD $0xf3b64302 /* VSHLL.S16 Q2, D2, #16 */ \
	WORD $0xf3b66303 /* VSHLL.S16 Q3, D3, #16 */ \
	WORD $0xf3812221 /* VSUBL.U8 Q1, D1, D17 */ \
	WORD $0xf2942552 /* VSHL.I16 Q1, Q1, #4 */ \
	WORD $0xf3b68302 /* VSHLL.S16 Q4, D2, #16 */ \
	WORD $0xf3b6a303 /* VSHLL.S16 Q5, D3, #16 */ \
	WORD $0xf3244b64 /* VQRDMULH.S32 Q2, Q2, Q10 */ \
	WORD $0xf204c176 /* VAND Q6, Q2, Q11 */ \
	WORD $0xf2a1c05c /* VSHR.S32 Q6, Q6, #31 */ \
	WORD $0xf224405c /* VQADD.S32 Q2, Q2, Q6 */ \
	WORD $0xf22645c4 /* VRSHL.S32 Q2, Q2, Q11 */ \
	WORD $0xf3266b64 /* VQRDMULH.S32 Q3, Q3, Q10 */ \
	WORD $0xf206e176 /* VAND Q7, Q3, Q11 */ \
	WORD $0xf2a1e05e /* VSHR.S32 Q7, Q7, #31 */ \
	WORD $0xf226605e /* VQADD.S32 Q3, Q3, Q7 */ \
	WORD $0xf22665c6 /* VRSHL.S32 Q3, Q3, Q11 */ \
	WORD $0xf3288b68 /* VQRDMULH.S32 Q4, Q4, Q12 */ \
	WORD $0xf208c17a /* VAND Q6, Q4, Q13 */ \
	WORD $0xf2a1c05c /* VSHR.S32 Q6, Q6, #31 */ \
	WORD $0xf228805c /* VQADD.S32 Q4, Q4, Q6 */ \
	WORD $0xf22a85c8 /* VRSHL.S32 Q4, Q4, Q13 */ \
	WORD $0xf32aab68 /* VQRDMULH.S32 Q5, Q5, Q12 */ \
	WORD $0xf20ae17a /* VAND Q7, Q5, Q13 */ \
	WORD $0xf2a1e05e /* VSHR.S32 Q7, Q7, #31 */ \
	WORD $0xf22aa05e /* VQADD.S32 Q5, Q5, Q7 */ \
	WORD $0xf22aa5ca /* VRSHL.S32 Q5, Q5, Q13 */ \
	WORD $0xf2244848 /* VADD.I32 Q2, Q2, Q4 */ \
	WORD $0xf226684a /* VADD.I32 Q3, Q3, Q5 */ \
	WORD $0xf3244b6c /* VQRDMULH.S32 Q2, Q2, Q14 */ \
	WORD $0xf204c17e /* VAND Q6, Q2, Q15 */ \
	WORD $0xf2a1c05c /* VSHR.S32 Q6, Q6, #31 */ \
	WORD $0xf224405c /* VQADD.S32 Q2, Q2, Q6 */ \
	WORD $0xf22e45c4 /* VRSHL.S32 Q2, Q2, Q15 */ \
	WORD $0xf3266b6c /* VQRDMULH.S32 Q3, Q3, Q14 */ \
	WORD $0xf206e17e /* VAND Q7, Q3, Q15 */ \
	WORD $0xf2a1e05e /* VSHR.S32 Q7, Q7, #31 */ \
	WORD $0xf226605e /* VQADD.S32 Q3, Q3, Q7 */ \
	WORD $0xf22e65c6 /* VRSHL.S32 Q3, Q3, Q15 */ \
	WORD $0xf3b62284 /* VQMOVN.S32 D2, Q2 */ \
	WORD $0xf3b63286 /* VQMOVN.S32 D3, Q3 */ \
	WORD $0xf2122033 /* VQADD.S16 D2, D2, D19 */ \
	WORD $0xf2133033 /* VQADD.S16 D3, D3, D19 */ \
	WORD $0xf3b20242 /* VQMOVUN.S16 D0, Q1 */ \
	WORD $0xf3000622 /* VMAX.U8 D0, D0, D18 */ \
	WORD $0xf400070d /* VST1.8 {D0}, [R0]! */

// func addNEON(dst, x, y *uint8, blocks int, vec *int32)
TEXT ·addNEON(SB), NOSPLIT, $0-20
	MOVW dst+0(FP), R0
	MOVW x+4(FP), R1
	MOVW y+8(FP), R2
	MOVW blocks+12(FP), R3
	MOVW vec+16(FP), R4
	// Add.neon: za, zb, multA, rightA, multB, rightB, multO, rightO, zo,
	// lo, 16 bytes each.
	WORD $0xf464070f // VLD1.8 {D16}, [R4]
	ADD $16, R4, R5
	WORD $0xf465170f // VLD1.8 {D17}, [R5]
	ADD $32, R4, R5
	WORD $0xf465428d // VLD1.32 {D20, D21, D22, D23}, [R5]!
	WORD $0xf465828d // VLD1.32 {D24, D25, D26, D27}, [R5]!
	WORD $0xf465c28d // VLD1.32 {D28, D29, D30, D31}, [R5]!
	WORD $0xf465370f // VLD1.8 {D19}, [R5]
	ADD $144, R4, R5
	WORD $0xf465270f // VLD1.8 {D18}, [R5]

loop:
	HALF
	HALF
	SUB.S $1, R3, R3
	BNE loop
	RET
