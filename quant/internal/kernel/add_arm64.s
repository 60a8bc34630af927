//go:build !noasm

#include "textflag.h"

// addNEON is Add.Run on arm64 (the Go twin is Add.runGo): TFLite's 8-bit
// ADD (reference/integer_ops/add.h) on 16 bytes per step, in int32 lanes:
//
//	a = MBQM((x - za) << 20, multA, shiftA)   USUBL to 16 bits, SSHLL #4
//	b = MBQM((y - zb) << 20, multB, shiftB)   to 32, SHL #16 (|x-za| <= 255,
//	                                          so no overflow); MBQM below
//	r = MBQM(a + b, multOut, shiftOut)        ADD: |a|, |b| < 2^28
//	out = clamp(r + zo, lo, 255)              SQXTN to 16 bits, SQADD zo,
//	                                          SQXTUN to bytes, UMAX lo
//
// MBQM with a right shift only (TFLite's ADD multipliers are below one) is
// SQRDMULH and the rounding shift with gemmlowp's fix-up, as in
// requant_arm64.s. The saturating narrows keep the order of values outside
// 16 bits, so the clamp is exact. WORD-encoded (Arm ARM DDI 0487, C7.2;
// encodings from llvm-mc -triple=aarch64 -show-encoding).

// x (V0) and y (V1) minus their zero points, times 2^20, in V2..V5 and
// V6..V9 (4 lanes each, in byte order).
#define WIDEN \
	WORD $0x2e30201a /* USUBL V26.8H, V0.8B, V16.8B */ \
	WORD $0x6e30201b /* USUBL2 V27.8H, V0.16B, V16.16B */ \
	WORD $0x0f14a742 /* SSHLL V2.4S, V26.4H, #4 */ \
	WORD $0x4f14a743 /* SSHLL2 V3.4S, V26.8H, #4 */ \
	WORD $0x0f14a764 /* SSHLL V4.4S, V27.4H, #4 */ \
	WORD $0x4f14a765 /* SSHLL2 V5.4S, V27.8H, #4 */ \
	WORD $0x4f305442 /* SHL V2.4S, V2.4S, #16 */ \
	WORD $0x4f305463 /* SHL V3.4S, V3.4S, #16 */ \
	WORD $0x4f305484 /* SHL V4.4S, V4.4S, #16 */ \
	WORD $0x4f3054a5 /* SHL V5.4S, V5.4S, #16 */ \
	WORD $0x2e31203c /* USUBL V28.8H, V1.8B, V17.8B */ \
	WORD $0x6e31203d /* USUBL2 V29.8H, V1.16B, V17.16B */ \
	WORD $0x0f14a786 /* SSHLL V6.4S, V28.4H, #4 */ \
	WORD $0x4f14a787 /* SSHLL2 V7.4S, V28.8H, #4 */ \
	WORD $0x0f14a7a8 /* SSHLL V8.4S, V29.4H, #4 */ \
	WORD $0x4f14a7a9 /* SSHLL2 V9.4S, V29.8H, #4 */ \
	WORD $0x4f3054c6 /* SHL V6.4S, V6.4S, #16 */ \
	WORD $0x4f3054e7 /* SHL V7.4S, V7.4S, #16 */ \
	WORD $0x4f305508 /* SHL V8.4S, V8.4S, #16 */ \
	WORD $0x4f305529 /* SHL V9.4S, V9.4S, #16 */

// a and b: V2..V5 by multA (V18) and shift (V19 = -right), V6..V9 by V20,
// V21; V10..V13 scratch.
#define RESCALE \
	WORD $0x6eb2b442 /* SQRDMULH V2.4S, V2.4S, V18.4S */ \
	WORD $0x4e331c4a /* AND V10.16B, V2.16B, V19.16B */ \
	WORD $0x4f21054a /* SSHR V10.4S, V10.4S, #31 */ \
	WORD $0x4eaa0c42 /* SQADD V2.4S, V2.4S, V10.4S */ \
	WORD $0x4eb35442 /* SRSHL V2.4S, V2.4S, V19.4S */ \
	WORD $0x6eb2b463 /* SQRDMULH V3.4S, V3.4S, V18.4S */ \
	WORD $0x4e331c6b /* AND V11.16B, V3.16B, V19.16B */ \
	WORD $0x4f21056b /* SSHR V11.4S, V11.4S, #31 */ \
	WORD $0x4eab0c63 /* SQADD V3.4S, V3.4S, V11.4S */ \
	WORD $0x4eb35463 /* SRSHL V3.4S, V3.4S, V19.4S */ \
	WORD $0x6eb2b484 /* SQRDMULH V4.4S, V4.4S, V18.4S */ \
	WORD $0x4e331c8c /* AND V12.16B, V4.16B, V19.16B */ \
	WORD $0x4f21058c /* SSHR V12.4S, V12.4S, #31 */ \
	WORD $0x4eac0c84 /* SQADD V4.4S, V4.4S, V12.4S */ \
	WORD $0x4eb35484 /* SRSHL V4.4S, V4.4S, V19.4S */ \
	WORD $0x6eb2b4a5 /* SQRDMULH V5.4S, V5.4S, V18.4S */ \
	WORD $0x4e331cad /* AND V13.16B, V5.16B, V19.16B */ \
	WORD $0x4f2105ad /* SSHR V13.4S, V13.4S, #31 */ \
	WORD $0x4ead0ca5 /* SQADD V5.4S, V5.4S, V13.4S */ \
	WORD $0x4eb354a5 /* SRSHL V5.4S, V5.4S, V19.4S */ \
	WORD $0x6eb4b4c6 /* SQRDMULH V6.4S, V6.4S, V20.4S */ \
	WORD $0x4e351cca /* AND V10.16B, V6.16B, V21.16B */ \
	WORD $0x4f21054a /* SSHR V10.4S, V10.4S, #31 */ \
	WORD $0x4eaa0cc6 /* SQADD V6.4S, V6.4S, V10.4S */ \
	WORD $0x4eb554c6 /* SRSHL V6.4S, V6.4S, V21.4S */ \
	WORD $0x6eb4b4e7 /* SQRDMULH V7.4S, V7.4S, V20.4S */ \
	WORD $0x4e351ceb /* AND V11.16B, V7.16B, V21.16B */ \
	WORD $0x4f21056b /* SSHR V11.4S, V11.4S, #31 */ \
	WORD $0x4eab0ce7 /* SQADD V7.4S, V7.4S, V11.4S */ \
	WORD $0x4eb554e7 /* SRSHL V7.4S, V7.4S, V21.4S */ \
	WORD $0x6eb4b508 /* SQRDMULH V8.4S, V8.4S, V20.4S */ \
	WORD $0x4e351d0c /* AND V12.16B, V8.16B, V21.16B */ \
	WORD $0x4f21058c /* SSHR V12.4S, V12.4S, #31 */ \
	WORD $0x4eac0d08 /* SQADD V8.4S, V8.4S, V12.4S */ \
	WORD $0x4eb55508 /* SRSHL V8.4S, V8.4S, V21.4S */ \
	WORD $0x6eb4b529 /* SQRDMULH V9.4S, V9.4S, V20.4S */ \
	WORD $0x4e351d2d /* AND V13.16B, V9.16B, V21.16B */ \
	WORD $0x4f2105ad /* SSHR V13.4S, V13.4S, #31 */ \
	WORD $0x4ead0d29 /* SQADD V9.4S, V9.4S, V13.4S */ \
	WORD $0x4eb55529 /* SRSHL V9.4S, V9.4S, V21.4S */

#define SUM \
	WORD $0x4ea68442 /* ADD V2.4S, V2.4S, V6.4S */ \
	WORD $0x4ea78463 /* ADD V3.4S, V3.4S, V7.4S */ \
	WORD $0x4ea88484 /* ADD V4.4S, V4.4S, V8.4S */ \
	WORD $0x4ea984a5 /* ADD V5.4S, V5.4S, V9.4S */

// r: by multOut (V22) and its shift (V23).
#define OUT \
	WORD $0x6eb6b442 /* SQRDMULH V2.4S, V2.4S, V22.4S */ \
	WORD $0x4e371c4a /* AND V10.16B, V2.16B, V23.16B */ \
	WORD $0x4f21054a /* SSHR V10.4S, V10.4S, #31 */ \
	WORD $0x4eaa0c42 /* SQADD V2.4S, V2.4S, V10.4S */ \
	WORD $0x4eb75442 /* SRSHL V2.4S, V2.4S, V23.4S */ \
	WORD $0x6eb6b463 /* SQRDMULH V3.4S, V3.4S, V22.4S */ \
	WORD $0x4e371c6b /* AND V11.16B, V3.16B, V23.16B */ \
	WORD $0x4f21056b /* SSHR V11.4S, V11.4S, #31 */ \
	WORD $0x4eab0c63 /* SQADD V3.4S, V3.4S, V11.4S */ \
	WORD $0x4eb75463 /* SRSHL V3.4S, V3.4S, V23.4S */ \
	WORD $0x6eb6b484 /* SQRDMULH V4.4S, V4.4S, V22.4S */ \
	WORD $0x4e371c8c /* AND V12.16B, V4.16B, V23.16B */ \
	WORD $0x4f21058c /* SSHR V12.4S, V12.4S, #31 */ \
	WORD $0x4eac0c84 /* SQADD V4.4S, V4.4S, V12.4S */ \
	WORD $0x4eb75484 /* SRSHL V4.4S, V4.4S, V23.4S */ \
	WORD $0x6eb6b4a5 /* SQRDMULH V5.4S, V5.4S, V22.4S */ \
	WORD $0x4e371cad /* AND V13.16B, V5.16B, V23.16B */ \
	WORD $0x4f2105ad /* SSHR V13.4S, V13.4S, #31 */ \
	WORD $0x4ead0ca5 /* SQADD V5.4S, V5.4S, V13.4S */ \
	WORD $0x4eb754a5 /* SRSHL V5.4S, V5.4S, V23.4S */

// V0 = the 16 output bytes: + zo (V24, 8 halfwords), clamp to [lo (V25), 255].
#define NARROW \
	WORD $0x0e61485a /* SQXTN V26.4H, V2.4S */ \
	WORD $0x4e61487a /* SQXTN2 V26.8H, V3.4S */ \
	WORD $0x0e61489b /* SQXTN V27.4H, V4.4S */ \
	WORD $0x4e6148bb /* SQXTN2 V27.8H, V5.4S */ \
	WORD $0x4e780f5a /* SQADD V26.8H, V26.8H, V24.8H */ \
	WORD $0x4e780f7b /* SQADD V27.8H, V27.8H, V24.8H */ \
	WORD $0x2e212b40 /* SQXTUN V0.8B, V26.8H */ \
	WORD $0x6e212b60 /* SQXTUN2 V0.16B, V27.8H */ \
	WORD $0x6e396400 /* UMAX V0.16B, V0.16B, V25.16B */

// func addNEON(dst, x, y *uint8, blocks int, vec *int32)
TEXT ·addNEON(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD y+16(FP), R2
	MOVD blocks+24(FP), R3
	MOVD vec+32(FP), R4
	VLD1.P 64(R4), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R4), [V20.B16, V21.B16, V22.B16, V23.B16]
	VLD1   (R4), [V24.B16, V25.B16]

loop:
	VLD1.P 16(R1), [V0.B16]
	VLD1.P 16(R2), [V1.B16]
	WIDEN
	RESCALE
	SUM
	OUT
	NARROW
	VST1.P [V0.B16], 16(R0)
	SUBS   $1, R3, R3
	BNE    loop
	RET
