//go:build !noasm

#include "textflag.h"

// The SDOT kernel (FEAT_DotProd). The Go assembler has no SDOT, so it is
// WORD-encoded: SDOT (vector) Vd.4S, Vn.16B, Vm.16B = 0x4E809400 | Rm<<16 |
// Rn<<5 | Rd (Arm ARM DDI 0487, C7.2.SDOT (vector); cross-checked with
// llvm-mc -triple=aarch64 -mattr=+dotprod -show-encoding).

// Accumulator V(16+4r+p) sums weight row r (V0-V3) times pixel p (V4-V7).
#define MACS \
	WORD $0x4e849410 /* SDOT V16.4S, V0.16B, V4.16B */ \
	WORD $0x4e859411 /* SDOT V17.4S, V0.16B, V5.16B */ \
	WORD $0x4e869412 /* SDOT V18.4S, V0.16B, V6.16B */ \
	WORD $0x4e879413 /* SDOT V19.4S, V0.16B, V7.16B */ \
	WORD $0x4e849434 /* SDOT V20.4S, V1.16B, V4.16B */ \
	WORD $0x4e859435 /* SDOT V21.4S, V1.16B, V5.16B */ \
	WORD $0x4e869436 /* SDOT V22.4S, V1.16B, V6.16B */ \
	WORD $0x4e879437 /* SDOT V23.4S, V1.16B, V7.16B */ \
	WORD $0x4e849458 /* SDOT V24.4S, V2.16B, V4.16B */ \
	WORD $0x4e859459 /* SDOT V25.4S, V2.16B, V5.16B */ \
	WORD $0x4e86945a /* SDOT V26.4S, V2.16B, V6.16B */ \
	WORD $0x4e87945b /* SDOT V27.4S, V2.16B, V7.16B */ \
	WORD $0x4e84947c /* SDOT V28.4S, V3.16B, V4.16B */ \
	WORD $0x4e85947d /* SDOT V29.4S, V3.16B, V5.16B */ \
	WORD $0x4e86947e /* SDOT V30.4S, V3.16B, V6.16B */ \
	WORD $0x4e87947f /* SDOT V31.4S, V3.16B, V7.16B */

// Pixel bytes x become x^0x80 = x-128 as int8 (V8 holds 0x80 in each byte).
#define FLIP \
	VEOR V8.B16, V4.B16, V4.B16 \
	VEOR V8.B16, V5.B16, V5.B16 \
	VEOR V8.B16, V6.B16, V6.B16 \
	VEOR V8.B16, V7.B16, V7.B16

// The last partial block of pixel row p: the 16 bytes ending at Depth
// (R20 = rem-16 past the row pointer), TBL moving the rem new bytes first
// and zeroing the others (index 0xFF is out of range). Arm ARM C7.2 TBL.
#define TAIL(row, v) \
	ADD R20, row, R21 \
	VLD1 (R21), [v.B16] \
	VTBL V13.B16, [v.B16], v.B16

// func tilesDot(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
TEXT ·tilesDot(SB), NOSPLIT, $0-80
	MOVD a+0(FP), R0
	MOVD corr+8(FP), R1
	MOVD blocks+16(FP), R2
	MOVD rem+24(FP), R3
	MOVD shuf+32(FP), R4
	MOVD b+40(FP), R14
	MOVD ldb+48(FP), R6
	MOVD quads+56(FP), R7
	MOVD c+64(FP), R8
	MOVD ldc+72(FP), R9
	LSL $2, R9, R9
	SUB $16, R3, R20
	VMOVI $128, V8.B16
	VLD1 (R4), [V13.B16]

quad:
	MOVD R14, R10
	ADD R6, R10, R11
	ADD R6, R11, R12
	ADD R6, R12, R13
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	MOVD R0, R15
	MOVD R2, R19
	CBZ R19, tail

block:
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 16(R10), [V4.B16]
	VLD1.P 16(R11), [V5.B16]
	VLD1.P 16(R12), [V6.B16]
	VLD1.P 16(R13), [V7.B16]
	FLIP
	MACS
	SUBS $1, R19, R19
	BNE block

tail:
	CBZ R3, reduce
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16]
	TAIL(R10, V4)
	TAIL(R11, V5)
	TAIL(R12, V6)
	TAIL(R13, V7)
	FLIP
	MACS

reduce:
	// Row r: ADDP twice folds the four 4-lane sums into one vector of the
	// four pixels' totals; then add 128*sum(w) back and store.
	MOVD R1, R21
	MOVD R8, R22
	VADDP V17.S4, V16.S4, V14.S4
	VADDP V19.S4, V18.S4, V15.S4
	VADDP V15.S4, V14.S4, V14.S4
	VLD1R.P 4(R21), [V15.S4]
	VADD V15.S4, V14.S4, V14.S4
	VST1 [V14.S4], (R22)
	ADD R9, R22, R22
	VADDP V21.S4, V20.S4, V14.S4
	VADDP V23.S4, V22.S4, V15.S4
	VADDP V15.S4, V14.S4, V14.S4
	VLD1R.P 4(R21), [V15.S4]
	VADD V15.S4, V14.S4, V14.S4
	VST1 [V14.S4], (R22)
	ADD R9, R22, R22
	VADDP V25.S4, V24.S4, V14.S4
	VADDP V27.S4, V26.S4, V15.S4
	VADDP V15.S4, V14.S4, V14.S4
	VLD1R.P 4(R21), [V15.S4]
	VADD V15.S4, V14.S4, V14.S4
	VST1 [V14.S4], (R22)
	ADD R9, R22, R22
	VADDP V29.S4, V28.S4, V14.S4
	VADDP V31.S4, V30.S4, V15.S4
	VADDP V15.S4, V14.S4, V14.S4
	VLD1R.P 4(R21), [V15.S4]
	VADD V15.S4, V14.S4, V14.S4
	VST1 [V14.S4], (R22)
	ADD R9, R22, R22
	ADD $16, R8, R8
	ADD R6<<2, R14, R14
	SUBS $1, R7, R7
	BNE quad
	RET
