//go:build !noasm

#include "textflag.h"

// The SDOT kernel (FEAT_DotProd): 16x4 tiles of c, accumulator V(16+4v+p)
// holding channels 4v..4v+3 of pixel p. Per 4 values of depth, one load of
// the panel's 16x4 weights (V0-V3) and 16 SDOT by element: weights of 4
// channels times the 4 bytes of one pixel, picked from the pixel's 16-byte
// vector by index, so each pixel's bytes are loaded and flipped once per 16
// values of depth for all 16 channels. SDOT is int8 x int8: pixels go in as
// x^0x80 = x-128, and the accumulators start at 128*sum(w) per channel.
//
// The Go assembler has no SDOT, so it is WORD-encoded: SDOT (by element)
// Vd.4S, Vn.16B, Vm.4B[i] = 0x4F80E000 | i&1<<21 | Vm<<16 (5 bits) |
// i>>1<<11 | Rn<<5 | Rd (Arm ARM DDI 0487, C7.2 SDOT (by element);
// cross-checked with llvm-mc -triple=aarch64 -mattr=+dotprod -show-encoding).

#define GROUP0 \
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16] \
	WORD $0x4f84e010 /* SDOT V16.4S, V0.16B, V4.4B[0] */ \
	WORD $0x4f85e011 /* SDOT V17.4S, V0.16B, V5.4B[0] */ \
	WORD $0x4f86e012 /* SDOT V18.4S, V0.16B, V6.4B[0] */ \
	WORD $0x4f87e013 /* SDOT V19.4S, V0.16B, V7.4B[0] */ \
	WORD $0x4f84e034 /* SDOT V20.4S, V1.16B, V4.4B[0] */ \
	WORD $0x4f85e035 /* SDOT V21.4S, V1.16B, V5.4B[0] */ \
	WORD $0x4f86e036 /* SDOT V22.4S, V1.16B, V6.4B[0] */ \
	WORD $0x4f87e037 /* SDOT V23.4S, V1.16B, V7.4B[0] */ \
	WORD $0x4f84e058 /* SDOT V24.4S, V2.16B, V4.4B[0] */ \
	WORD $0x4f85e059 /* SDOT V25.4S, V2.16B, V5.4B[0] */ \
	WORD $0x4f86e05a /* SDOT V26.4S, V2.16B, V6.4B[0] */ \
	WORD $0x4f87e05b /* SDOT V27.4S, V2.16B, V7.4B[0] */ \
	WORD $0x4f84e07c /* SDOT V28.4S, V3.16B, V4.4B[0] */ \
	WORD $0x4f85e07d /* SDOT V29.4S, V3.16B, V5.4B[0] */ \
	WORD $0x4f86e07e /* SDOT V30.4S, V3.16B, V6.4B[0] */ \
	WORD $0x4f87e07f /* SDOT V31.4S, V3.16B, V7.4B[0] */

#define GROUP1 \
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16] \
	WORD $0x4fa4e010 /* SDOT V16.4S, V0.16B, V4.4B[1] */ \
	WORD $0x4fa5e011 /* SDOT V17.4S, V0.16B, V5.4B[1] */ \
	WORD $0x4fa6e012 /* SDOT V18.4S, V0.16B, V6.4B[1] */ \
	WORD $0x4fa7e013 /* SDOT V19.4S, V0.16B, V7.4B[1] */ \
	WORD $0x4fa4e034 /* SDOT V20.4S, V1.16B, V4.4B[1] */ \
	WORD $0x4fa5e035 /* SDOT V21.4S, V1.16B, V5.4B[1] */ \
	WORD $0x4fa6e036 /* SDOT V22.4S, V1.16B, V6.4B[1] */ \
	WORD $0x4fa7e037 /* SDOT V23.4S, V1.16B, V7.4B[1] */ \
	WORD $0x4fa4e058 /* SDOT V24.4S, V2.16B, V4.4B[1] */ \
	WORD $0x4fa5e059 /* SDOT V25.4S, V2.16B, V5.4B[1] */ \
	WORD $0x4fa6e05a /* SDOT V26.4S, V2.16B, V6.4B[1] */ \
	WORD $0x4fa7e05b /* SDOT V27.4S, V2.16B, V7.4B[1] */ \
	WORD $0x4fa4e07c /* SDOT V28.4S, V3.16B, V4.4B[1] */ \
	WORD $0x4fa5e07d /* SDOT V29.4S, V3.16B, V5.4B[1] */ \
	WORD $0x4fa6e07e /* SDOT V30.4S, V3.16B, V6.4B[1] */ \
	WORD $0x4fa7e07f /* SDOT V31.4S, V3.16B, V7.4B[1] */

#define GROUP2 \
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16] \
	WORD $0x4f84e810 /* SDOT V16.4S, V0.16B, V4.4B[2] */ \
	WORD $0x4f85e811 /* SDOT V17.4S, V0.16B, V5.4B[2] */ \
	WORD $0x4f86e812 /* SDOT V18.4S, V0.16B, V6.4B[2] */ \
	WORD $0x4f87e813 /* SDOT V19.4S, V0.16B, V7.4B[2] */ \
	WORD $0x4f84e834 /* SDOT V20.4S, V1.16B, V4.4B[2] */ \
	WORD $0x4f85e835 /* SDOT V21.4S, V1.16B, V5.4B[2] */ \
	WORD $0x4f86e836 /* SDOT V22.4S, V1.16B, V6.4B[2] */ \
	WORD $0x4f87e837 /* SDOT V23.4S, V1.16B, V7.4B[2] */ \
	WORD $0x4f84e858 /* SDOT V24.4S, V2.16B, V4.4B[2] */ \
	WORD $0x4f85e859 /* SDOT V25.4S, V2.16B, V5.4B[2] */ \
	WORD $0x4f86e85a /* SDOT V26.4S, V2.16B, V6.4B[2] */ \
	WORD $0x4f87e85b /* SDOT V27.4S, V2.16B, V7.4B[2] */ \
	WORD $0x4f84e87c /* SDOT V28.4S, V3.16B, V4.4B[2] */ \
	WORD $0x4f85e87d /* SDOT V29.4S, V3.16B, V5.4B[2] */ \
	WORD $0x4f86e87e /* SDOT V30.4S, V3.16B, V6.4B[2] */ \
	WORD $0x4f87e87f /* SDOT V31.4S, V3.16B, V7.4B[2] */

#define GROUP3 \
	VLD1.P 64(R15), [V0.B16, V1.B16, V2.B16, V3.B16] \
	WORD $0x4fa4e810 /* SDOT V16.4S, V0.16B, V4.4B[3] */ \
	WORD $0x4fa5e811 /* SDOT V17.4S, V0.16B, V5.4B[3] */ \
	WORD $0x4fa6e812 /* SDOT V18.4S, V0.16B, V6.4B[3] */ \
	WORD $0x4fa7e813 /* SDOT V19.4S, V0.16B, V7.4B[3] */ \
	WORD $0x4fa4e834 /* SDOT V20.4S, V1.16B, V4.4B[3] */ \
	WORD $0x4fa5e835 /* SDOT V21.4S, V1.16B, V5.4B[3] */ \
	WORD $0x4fa6e836 /* SDOT V22.4S, V1.16B, V6.4B[3] */ \
	WORD $0x4fa7e837 /* SDOT V23.4S, V1.16B, V7.4B[3] */ \
	WORD $0x4fa4e858 /* SDOT V24.4S, V2.16B, V4.4B[3] */ \
	WORD $0x4fa5e859 /* SDOT V25.4S, V2.16B, V5.4B[3] */ \
	WORD $0x4fa6e85a /* SDOT V26.4S, V2.16B, V6.4B[3] */ \
	WORD $0x4fa7e85b /* SDOT V27.4S, V2.16B, V7.4B[3] */ \
	WORD $0x4fa4e87c /* SDOT V28.4S, V3.16B, V4.4B[3] */ \
	WORD $0x4fa5e87d /* SDOT V29.4S, V3.16B, V5.4B[3] */ \
	WORD $0x4fa6e87e /* SDOT V30.4S, V3.16B, V6.4B[3] */ \
	WORD $0x4fa7e87f /* SDOT V31.4S, V3.16B, V7.4B[3] */

// Pixel bytes x become x^0x80 = x-128 as int8 (V8 holds 0x80 in each byte).
#define FLIP \
	VEOR V8.B16, V4.B16, V4.B16 \
	VEOR V8.B16, V5.B16, V5.B16 \
	VEOR V8.B16, V6.B16, V6.B16 \
	VEOR V8.B16, V7.B16, V7.B16

// The last rem values of depth of a pixel: the 16 bytes ending at Depth
// (R20 = rem-16 past the row pointer), TBL moving the rem new bytes first
// and zeroing the others (index 0xFF is out of range). Arm ARM C7.2 TBL.
#define TAIL(row, v) \
	ADD R20, row, R21 \
	VLD1 (R21), [v.B16] \
	VTBL V13.B16, [v.B16], v.B16

// func tilesDot(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
//
// blocks and rem count depth in 4s (the packing block); the loop runs 16 at
// a time.
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
	ADD R2<<2, R3, R3 // depth
	LSR $4, R3, R2    // whole 16s
	AND $15, R3, R3   // values left
	SUB $16, R3, R20
	VMOVI $128, V8.B16
	VLD1 (R4), [V13.B16]

quad:
	MOVD R14, R10
	ADD R6, R10, R11
	ADD R6, R11, R12
	ADD R6, R12, R13
	VLD1 (R1), [V9.S4, V10.S4, V11.S4, V12.S4]
	VMOV V9.B16, V16.B16
	VMOV V9.B16, V17.B16
	VMOV V9.B16, V18.B16
	VMOV V9.B16, V19.B16
	VMOV V10.B16, V20.B16
	VMOV V10.B16, V21.B16
	VMOV V10.B16, V22.B16
	VMOV V10.B16, V23.B16
	VMOV V11.B16, V24.B16
	VMOV V11.B16, V25.B16
	VMOV V11.B16, V26.B16
	VMOV V11.B16, V27.B16
	VMOV V12.B16, V28.B16
	VMOV V12.B16, V29.B16
	VMOV V12.B16, V30.B16
	VMOV V12.B16, V31.B16
	MOVD R0, R15
	MOVD R2, R19
	CBZ R19, tail

block:
	VLD1.P 16(R10), [V4.B16]
	VLD1.P 16(R11), [V5.B16]
	VLD1.P 16(R12), [V6.B16]
	VLD1.P 16(R13), [V7.B16]
	FLIP
	GROUP0
	GROUP1
	GROUP2
	GROUP3
	SUBS $1, R19, R19
	BNE block

tail:
	CBZ R3, store
	TAIL(R10, V4)
	TAIL(R11, V5)
	TAIL(R12, V6)
	TAIL(R13, V7)
	FLIP
	GROUP0
	CMP $4, R3
	BLE store
	GROUP1
	CMP $8, R3
	BLE store
	GROUP2
	CMP $12, R3
	BLE store
	GROUP3

store:
	// 4x4 transposes: pixel vectors of 4 channels become channel rows of
	// 4 pixels (TRN1/TRN2 on 32-bit, then 64-bit, lanes).
	MOVD R8, R22
	VTRN1 V17.S4, V16.S4, V0.S4
	VTRN2 V17.S4, V16.S4, V1.S4
	VTRN1 V19.S4, V18.S4, V2.S4
	VTRN2 V19.S4, V18.S4, V3.S4
	VTRN1 V2.D2, V0.D2, V4.D2
	VTRN1 V3.D2, V1.D2, V5.D2
	VTRN2 V2.D2, V0.D2, V6.D2
	VTRN2 V3.D2, V1.D2, V7.D2
	VST1 [V4.S4], (R22)
	ADD R9, R22, R22
	VST1 [V5.S4], (R22)
	ADD R9, R22, R22
	VST1 [V6.S4], (R22)
	ADD R9, R22, R22
	VST1 [V7.S4], (R22)
	ADD R9, R22, R22
	VTRN1 V21.S4, V20.S4, V0.S4
	VTRN2 V21.S4, V20.S4, V1.S4
	VTRN1 V23.S4, V22.S4, V2.S4
	VTRN2 V23.S4, V22.S4, V3.S4
	VTRN1 V2.D2, V0.D2, V4.D2
	VTRN1 V3.D2, V1.D2, V5.D2
	VTRN2 V2.D2, V0.D2, V6.D2
	VTRN2 V3.D2, V1.D2, V7.D2
	VST1 [V4.S4], (R22)
	ADD R9, R22, R22
	VST1 [V5.S4], (R22)
	ADD R9, R22, R22
	VST1 [V6.S4], (R22)
	ADD R9, R22, R22
	VST1 [V7.S4], (R22)
	ADD R9, R22, R22
	VTRN1 V25.S4, V24.S4, V0.S4
	VTRN2 V25.S4, V24.S4, V1.S4
	VTRN1 V27.S4, V26.S4, V2.S4
	VTRN2 V27.S4, V26.S4, V3.S4
	VTRN1 V2.D2, V0.D2, V4.D2
	VTRN1 V3.D2, V1.D2, V5.D2
	VTRN2 V2.D2, V0.D2, V6.D2
	VTRN2 V3.D2, V1.D2, V7.D2
	VST1 [V4.S4], (R22)
	ADD R9, R22, R22
	VST1 [V5.S4], (R22)
	ADD R9, R22, R22
	VST1 [V6.S4], (R22)
	ADD R9, R22, R22
	VST1 [V7.S4], (R22)
	ADD R9, R22, R22
	VTRN1 V29.S4, V28.S4, V0.S4
	VTRN2 V29.S4, V28.S4, V1.S4
	VTRN1 V31.S4, V30.S4, V2.S4
	VTRN2 V31.S4, V30.S4, V3.S4
	VTRN1 V2.D2, V0.D2, V4.D2
	VTRN1 V3.D2, V1.D2, V5.D2
	VTRN2 V2.D2, V0.D2, V6.D2
	VTRN2 V3.D2, V1.D2, V7.D2
	VST1 [V4.S4], (R22)
	ADD R9, R22, R22
	VST1 [V5.S4], (R22)
	ADD R9, R22, R22
	VST1 [V6.S4], (R22)
	ADD R9, R22, R22
	VST1 [V7.S4], (R22)
	ADD R9, R22, R22
	ADD $16, R8, R8
	ADD R6<<2, R14, R14
	SUBS $1, R7, R7
	BNE quad
	RET
