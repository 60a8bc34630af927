//go:build !noasm

#include "textflag.h"

// The ARMv8.0 kernel: SMULL and SMLAL2 multiply 8 int8 pairs each into 16
// bits, SADALP adds adjacent 16-bit lanes into the 32-bit sums. Each 16-bit
// lane holds two products (x-128)*w, |x-128| <= 128 and |w| <= 127, so at
// most 32512 < 32767: exact. The Go assembler has none of the three, so they
// are WORD-encoded (Arm ARM DDI 0487, C7.2: SMULL 0x0E20C000, SMLAL2
// 0x4E208000, SADALP .4S<-.8H 0x4E606800, | Rm<<16 | Rn<<5 | Rd;
// cross-checked with llvm-mc -triple=aarch64 -show-encoding).

// Accumulator V(16+4r+p) sums weight row r (V0-V3) times pixel p (V4-V7).
#define MACS \
	WORD $0x0e24c009 /* SMULL V9.8H, V0.8B, V4.8B */ \
	WORD $0x4e248009 /* SMLAL2 V9.8H, V0.16B, V4.16B */ \
	WORD $0x4e606930 /* SADALP V16.4S, V9.8H */ \
	WORD $0x0e25c00a /* SMULL V10.8H, V0.8B, V5.8B */ \
	WORD $0x4e25800a /* SMLAL2 V10.8H, V0.16B, V5.16B */ \
	WORD $0x4e606951 /* SADALP V17.4S, V10.8H */ \
	WORD $0x0e26c00b /* SMULL V11.8H, V0.8B, V6.8B */ \
	WORD $0x4e26800b /* SMLAL2 V11.8H, V0.16B, V6.16B */ \
	WORD $0x4e606972 /* SADALP V18.4S, V11.8H */ \
	WORD $0x0e27c00c /* SMULL V12.8H, V0.8B, V7.8B */ \
	WORD $0x4e27800c /* SMLAL2 V12.8H, V0.16B, V7.16B */ \
	WORD $0x4e606993 /* SADALP V19.4S, V12.8H */ \
	WORD $0x0e24c029 /* SMULL V9.8H, V1.8B, V4.8B */ \
	WORD $0x4e248029 /* SMLAL2 V9.8H, V1.16B, V4.16B */ \
	WORD $0x4e606934 /* SADALP V20.4S, V9.8H */ \
	WORD $0x0e25c02a /* SMULL V10.8H, V1.8B, V5.8B */ \
	WORD $0x4e25802a /* SMLAL2 V10.8H, V1.16B, V5.16B */ \
	WORD $0x4e606955 /* SADALP V21.4S, V10.8H */ \
	WORD $0x0e26c02b /* SMULL V11.8H, V1.8B, V6.8B */ \
	WORD $0x4e26802b /* SMLAL2 V11.8H, V1.16B, V6.16B */ \
	WORD $0x4e606976 /* SADALP V22.4S, V11.8H */ \
	WORD $0x0e27c02c /* SMULL V12.8H, V1.8B, V7.8B */ \
	WORD $0x4e27802c /* SMLAL2 V12.8H, V1.16B, V7.16B */ \
	WORD $0x4e606997 /* SADALP V23.4S, V12.8H */ \
	WORD $0x0e24c049 /* SMULL V9.8H, V2.8B, V4.8B */ \
	WORD $0x4e248049 /* SMLAL2 V9.8H, V2.16B, V4.16B */ \
	WORD $0x4e606938 /* SADALP V24.4S, V9.8H */ \
	WORD $0x0e25c04a /* SMULL V10.8H, V2.8B, V5.8B */ \
	WORD $0x4e25804a /* SMLAL2 V10.8H, V2.16B, V5.16B */ \
	WORD $0x4e606959 /* SADALP V25.4S, V10.8H */ \
	WORD $0x0e26c04b /* SMULL V11.8H, V2.8B, V6.8B */ \
	WORD $0x4e26804b /* SMLAL2 V11.8H, V2.16B, V6.16B */ \
	WORD $0x4e60697a /* SADALP V26.4S, V11.8H */ \
	WORD $0x0e27c04c /* SMULL V12.8H, V2.8B, V7.8B */ \
	WORD $0x4e27804c /* SMLAL2 V12.8H, V2.16B, V7.16B */ \
	WORD $0x4e60699b /* SADALP V27.4S, V12.8H */ \
	WORD $0x0e24c069 /* SMULL V9.8H, V3.8B, V4.8B */ \
	WORD $0x4e248069 /* SMLAL2 V9.8H, V3.16B, V4.16B */ \
	WORD $0x4e60693c /* SADALP V28.4S, V9.8H */ \
	WORD $0x0e25c06a /* SMULL V10.8H, V3.8B, V5.8B */ \
	WORD $0x4e25806a /* SMLAL2 V10.8H, V3.16B, V5.16B */ \
	WORD $0x4e60695d /* SADALP V29.4S, V10.8H */ \
	WORD $0x0e26c06b /* SMULL V11.8H, V3.8B, V6.8B */ \
	WORD $0x4e26806b /* SMLAL2 V11.8H, V3.16B, V6.16B */ \
	WORD $0x4e60697e /* SADALP V30.4S, V11.8H */ \
	WORD $0x0e27c06c /* SMULL V12.8H, V3.8B, V7.8B */ \
	WORD $0x4e27806c /* SMLAL2 V12.8H, V3.16B, V7.16B */ \
	WORD $0x4e60699f /* SADALP V31.4S, V12.8H */

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

// func tilesNEON(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
TEXT ·tilesNEON(SB), NOSPLIT, $0-80
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
