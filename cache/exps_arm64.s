//go:build !noasm

#include "textflag.h"

// func expsNEON(dst, src *float32, n int, theta, m float32)
// Eight terms per step in two interleaved groups of four (V0-V5, V6-V11;
// V16-V27 constants, V28-V29 load and store), the arithmetic of exps.go.
// The Go assembler lacks vector FSUB, FMUL, FCMGE, FRINTN and FCVTZS, so they are WORD-encoded (Arm A64 ISA, DDI 0596;
// encodings checked with llvm-mc -triple=aarch64 -show-encoding). FRINTN
// rounds to nearest even; FCMGE is false for NaN; FCVTZS of the integral r
// is exact.
TEXT ·expsNEON(SB), NOSPLIT, $0-32
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  n+16(FP), R2
	MOVD  $theta+24(FP), R3
	VLD1R (R3), [V16.S4]
	MOVD  $m+28(FP), R3
	VLD1R (R3), [V17.S4]
	MOVD  $·expCoef(SB), R4
	VLD1R (R4), [V18.S4]   // log2(e)
	ADD   $4, R4
	VLD1R (R4), [V19.S4]   // -cutoff
	ADD   $4, R4
	VLD1R (R4), [V20.S4]   // ln2Hi
	ADD   $4, R4
	VLD1R (R4), [V21.S4]   // ln2Lo
	ADD   $4, R4
	VLD1R (R4), [V22.S4]   // 1
	ADD   $4, R4
	VLD1R (R4), [V23.S4]   // 1/2
	ADD   $4, R4
	VLD1R (R4), [V24.S4]   // 1/6
	ADD   $4, R4
	VLD1R (R4), [V25.S4]   // 1/24
	ADD   $4, R4
	VLD1R (R4), [V26.S4]   // 1/120
	ADD   $4, R4
	VLD1R (R4), [V27.S4]   // 1/720

loop:
	VLD1.P 32(R1), [V28.S4, V29.S4]
	WORD   $0x4eb1d780     // FSUB   V0.4S, V28.4S, V17.4S  s - m
	WORD   $0x4eb1d7a6     // FSUB   V6.4S, V29.4S, V17.4S
	WORD   $0x6e30dc00     // FMUL   V0.4S, V0.4S, V16.4S   d
	WORD   $0x6e30dcc6     // FMUL   V6.4S, V6.4S, V16.4S
	WORD   $0x6e33e401     // FCMGE  V1.4S, V0.4S, V19.4S   mask
	WORD   $0x6e33e4c7     // FCMGE  V7.4S, V6.4S, V19.4S
	WORD   $0x6e32dc02     // FMUL   V2.4S, V0.4S, V18.4S   d log2(e)
	WORD   $0x6e32dcc8     // FMUL   V8.4S, V6.4S, V18.4S
	WORD   $0x4e218843     // FRINTN V3.4S, V2.4S           r
	WORD   $0x4e218909     // FRINTN V9.4S, V8.4S
	VFMLS  V20.S4, V3.S4, V0.S4    // f = d - r ln2Hi
	VFMLS  V20.S4, V9.S4, V6.S4
	VFMLS  V21.S4, V3.S4, V0.S4    //     - r ln2Lo
	VFMLS  V21.S4, V9.S4, V6.S4
	WORD   $0x4ea1b865     // FCVTZS V5.4S, V3.4S
	WORD   $0x4ea1b92b     // FCVTZS V11.4S, V9.4S
	VORR   V27.B16, V27.B16, V2.B16
	VORR   V27.B16, V27.B16, V8.B16
	VORR   V26.B16, V26.B16, V4.B16
	VORR   V26.B16, V26.B16, V10.B16
	VFMLA  V0.S4, V2.S4, V4.S4
	VFMLA  V6.S4, V8.S4, V10.S4
	VORR   V25.B16, V25.B16, V2.B16
	VORR   V25.B16, V25.B16, V8.B16
	VFMLA  V0.S4, V4.S4, V2.S4
	VFMLA  V6.S4, V10.S4, V8.S4
	VORR   V24.B16, V24.B16, V4.B16
	VORR   V24.B16, V24.B16, V10.B16
	VFMLA  V0.S4, V2.S4, V4.S4
	VFMLA  V6.S4, V8.S4, V10.S4
	VORR   V23.B16, V23.B16, V2.B16
	VORR   V23.B16, V23.B16, V8.B16
	VFMLA  V0.S4, V4.S4, V2.S4
	VFMLA  V6.S4, V10.S4, V8.S4
	VORR   V22.B16, V22.B16, V4.B16
	VORR   V22.B16, V22.B16, V10.B16
	VFMLA  V0.S4, V2.S4, V4.S4
	VFMLA  V6.S4, V8.S4, V10.S4
	VORR   V22.B16, V22.B16, V2.B16
	VORR   V22.B16, V22.B16, V8.B16
	VFMLA  V0.S4, V4.S4, V2.S4     // e^f
	VFMLA  V6.S4, V10.S4, V8.S4
	VSHL   $23, V5.S4, V5.S4
	VSHL   $23, V11.S4, V11.S4
	VADD   V5.S4, V2.S4, V2.S4     // * 2^r
	VADD   V11.S4, V8.S4, V8.S4
	VAND   V1.B16, V2.B16, V28.B16 // 0 below the cutoff
	VAND   V7.B16, V8.B16, V29.B16
	VST1.P [V28.S4, V29.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET
