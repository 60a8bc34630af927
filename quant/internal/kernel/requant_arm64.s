//go:build !noasm

#include "textflag.h"

// requantNEON is GemmRequant's epilogue on arm64 (the Go twin is
// Requant.requantRow): TFLite's MultiplyByQuantizedMultiplier on 4 channels
// x 4 pixels of int32 sums at a time, each step a single NEON instruction:
//
//	x = sum + bias                    ADD (wrapping, as TFLite's int32 add)
//	x = sat(x << left)                SQSHL by register: saturates as the
//	                                  reference's clamp to int32
//	x = (2*x*mult + 2^31) >> 32       SQRDMULH: gemmlowp's
//	                                  SaturatingRoundingDoublingHighMul (it
//	                                  saturates only for mult = -2^31, and
//	                                  multipliers are >= 0)
//	x = x - (x < 0 && right > 0)      AND with -right, SSHR #31, SQADD:
//	x = (x + 2^(right-1)) >> right    SRSHL by -right; together gemmlowp's
//	                                  RoundingDivideByPOT, half away from
//	                                  zero (the fix-up of its NEON version)
//	x = clamp(x + zero, lo, 255)      SQADD, SMAX, SMIN
//
// The sums arrive channel-major (Gemm's layout: row i holds channel i's
// pixels), the bytes leave pixel-major (HWC), so each 4x4 block is
// transposed (TRN1/TRN2 on .4S then .2D) before the arithmetic, narrowed
// (XTN, XTN2) and stored as 4 bytes per pixel, ldd apart. None of these
// instructions is in the Go assembler: they are WORD-encoded (Arm ARM DDI
// 0487, C7.2; encodings from llvm-mc -triple=aarch64 -show-encoding).

// Channel i's sums (i = 0..3 of the group) are in V0..V3 as 4 pixels each;
// afterwards V0..V3 hold pixels 0..3, 4 channels each.
#define TRANSPOSE \
	WORD $0x4e812804 /* TRN1 V4.4S, V0.4S, V1.4S */ \
	WORD $0x4e816805 /* TRN2 V5.4S, V0.4S, V1.4S */ \
	WORD $0x4e832846 /* TRN1 V6.4S, V2.4S, V3.4S */ \
	WORD $0x4e836847 /* TRN2 V7.4S, V2.4S, V3.4S */ \
	WORD $0x4ec62880 /* TRN1 V0.2D, V4.2D, V6.2D */ \
	WORD $0x4ec728a1 /* TRN1 V1.2D, V5.2D, V7.2D */ \
	WORD $0x4ec66882 /* TRN2 V2.2D, V4.2D, V6.2D */ \
	WORD $0x4ec768a3 /* TRN2 V3.2D, V5.2D, V7.2D */

// Requantize V0..V3 with the group's constants: V24 bias, V25 multiplier,
// V26 left shift, V27 minus the right shift; V28 zero point, V29 lower
// clamp, V30 255. V8..V11 are scratch.
#define REQUANT \
	WORD $0x4eb88400 /* ADD V0.4S, V0.4S, V24.4S */ \
	WORD $0x4eba4c00 /* SQSHL V0.4S, V0.4S, V26.4S */ \
	WORD $0x6eb9b400 /* SQRDMULH V0.4S, V0.4S, V25.4S */ \
	WORD $0x4e3b1c08 /* AND V8.16B, V0.16B, V27.16B */ \
	WORD $0x4f210508 /* SSHR V8.4S, V8.4S, #31 */ \
	WORD $0x4ea80c00 /* SQADD V0.4S, V0.4S, V8.4S */ \
	WORD $0x4ebb5400 /* SRSHL V0.4S, V0.4S, V27.4S */ \
	WORD $0x4ebc0c00 /* SQADD V0.4S, V0.4S, V28.4S */ \
	WORD $0x4ebd6400 /* SMAX V0.4S, V0.4S, V29.4S */ \
	WORD $0x4ebe6c00 /* SMIN V0.4S, V0.4S, V30.4S */ \
	WORD $0x4eb88421 /* ADD V1.4S, V1.4S, V24.4S */ \
	WORD $0x4eba4c21 /* SQSHL V1.4S, V1.4S, V26.4S */ \
	WORD $0x6eb9b421 /* SQRDMULH V1.4S, V1.4S, V25.4S */ \
	WORD $0x4e3b1c29 /* AND V9.16B, V1.16B, V27.16B */ \
	WORD $0x4f210529 /* SSHR V9.4S, V9.4S, #31 */ \
	WORD $0x4ea90c21 /* SQADD V1.4S, V1.4S, V9.4S */ \
	WORD $0x4ebb5421 /* SRSHL V1.4S, V1.4S, V27.4S */ \
	WORD $0x4ebc0c21 /* SQADD V1.4S, V1.4S, V28.4S */ \
	WORD $0x4ebd6421 /* SMAX V1.4S, V1.4S, V29.4S */ \
	WORD $0x4ebe6c21 /* SMIN V1.4S, V1.4S, V30.4S */ \
	WORD $0x4eb88442 /* ADD V2.4S, V2.4S, V24.4S */ \
	WORD $0x4eba4c42 /* SQSHL V2.4S, V2.4S, V26.4S */ \
	WORD $0x6eb9b442 /* SQRDMULH V2.4S, V2.4S, V25.4S */ \
	WORD $0x4e3b1c4a /* AND V10.16B, V2.16B, V27.16B */ \
	WORD $0x4f21054a /* SSHR V10.4S, V10.4S, #31 */ \
	WORD $0x4eaa0c42 /* SQADD V2.4S, V2.4S, V10.4S */ \
	WORD $0x4ebb5442 /* SRSHL V2.4S, V2.4S, V27.4S */ \
	WORD $0x4ebc0c42 /* SQADD V2.4S, V2.4S, V28.4S */ \
	WORD $0x4ebd6442 /* SMAX V2.4S, V2.4S, V29.4S */ \
	WORD $0x4ebe6c42 /* SMIN V2.4S, V2.4S, V30.4S */ \
	WORD $0x4eb88463 /* ADD V3.4S, V3.4S, V24.4S */ \
	WORD $0x4eba4c63 /* SQSHL V3.4S, V3.4S, V26.4S */ \
	WORD $0x6eb9b463 /* SQRDMULH V3.4S, V3.4S, V25.4S */ \
	WORD $0x4e3b1c6b /* AND V11.16B, V3.16B, V27.16B */ \
	WORD $0x4f21056b /* SSHR V11.4S, V11.4S, #31 */ \
	WORD $0x4eab0c63 /* SQADD V3.4S, V3.4S, V11.4S */ \
	WORD $0x4ebb5463 /* SRSHL V3.4S, V3.4S, V27.4S */ \
	WORD $0x4ebc0c63 /* SQADD V3.4S, V3.4S, V28.4S */ \
	WORD $0x4ebd6463 /* SMAX V3.4S, V3.4S, V29.4S */ \
	WORD $0x4ebe6c63 /* SMIN V3.4S, V3.4S, V30.4S */

// V0 = the 16 bytes: pixel 0's 4 channels, then pixel 1's, ...
#define NARROW \
	WORD $0x0e612800 /* XTN V0.4H, V0.4S */ \
	WORD $0x4e612820 /* XTN2 V0.8H, V1.4S */ \
	WORD $0x0e612842 /* XTN V2.4H, V2.4S */ \
	WORD $0x4e612862 /* XTN2 V2.8H, V3.4S */ \
	WORD $0x0e212800 /* XTN V0.8B, V0.8H */ \
	WORD $0x4e212840 /* XTN2 V0.16B, V2.8H */

// ST1 {V0.S}[p], [R11], R3: pixel p's 4 bytes, then R11 += ldd.
#define STORE \
	WORD $0x0d838160 /* ST1 {V0.S}[0], [X11], X3 */ \
	WORD $0x0d839160 /* ST1 {V0.S}[1], [X11], X3 */ \
	WORD $0x4d838160 /* ST1 {V0.S}[2], [X11], X3 */ \
	WORD $0x4d839160 /* ST1 {V0.S}[3], [X11], X3 */

// func requantNEON(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int)
TEXT ·requantNEON(SB), NOSPLIT, $0-64
	MOVD acc+0(FP), R0
	MOVD nc+8(FP), R1
	MOVD dst+16(FP), R2
	MOVD ldd+24(FP), R3
	MOVD vec+32(FP), R4
	MOVD groups+40(FP), R5
	MOVD lim+48(FP), R6
	MOVD quads+56(FP), R14 // 4-pixel steps per row
	VLD1 (R6), [V28.S4, V29.S4, V30.S4]
	LSL  $2, R1, R13 // one channel's row of sums, in bytes

group:
	VLD1.P 64(R4), [V24.S4, V25.S4, V26.S4, V27.S4]
	MOVD   R0, R7
	ADD    R13, R7, R8
	ADD    R13, R8, R9
	ADD    R13, R9, R10
	MOVD   R2, R11
	MOVD   R14, R12

pixels:
	VLD1.P 16(R7), [V0.S4]
	VLD1.P 16(R8), [V1.S4]
	VLD1.P 16(R9), [V2.S4]
	VLD1.P 16(R10), [V3.S4]
	TRANSPOSE
	REQUANT
	NARROW
	STORE
	SUBS $1, R12, R12
	BNE  pixels

	ADD  R13<<2, R0, R0 // next 4 channels' rows
	ADD  $4, R2, R2     // and their bytes in each pixel
	SUBS $1, R5, R5
	BNE  group
	RET
