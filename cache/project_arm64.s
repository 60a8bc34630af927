//go:build !noasm

#include "textflag.h"

// func projectNEON(dst *float32, wt *uint16, idx *int32, xs *float32, n, rows, body int)
// Contract in dot.go; the arm64 twin of projectAVX2 (project_amd64.s), with
// the same order of operations: per eight outputs, a = x0 w0 + x1 w1 and
// b = x2 w2 + x3 w3 (FMUL then FMLA), then dst += a + b. WORD encodings from
// the Arm A64 ISA (DDI 0596), checked with llvm-mc: "FCVTL, FCVTL2"
// 0 Q 0 01110 0 0 10000 10111 10 Rn Rd; "FMUL (vector)"
// 0 Q 1 01110 0 0 1 Rm 11011 1 Rn Rd; "FADD (vector)"
// 0 Q 0 01110 0 0 1 Rm 11010 1 Rn Rd. Registers R16-R18 and R26-R30 are left
// alone (see dot_arm64.s).
TEXT ·projectNEON(SB), NOSPLIT, $0-56
	MOVD dst+0(FP), R0
	MOVD wt+8(FP), R1
	MOVD idx+16(FP), R2
	MOVD xs+24(FP), R3
	MOVD n+32(FP), R4
	MOVD rows+40(FP), R5
	MOVD body+48(FP), R6
	LSL  $1, R5, R5      // row stride in bytes
	LSR  $2, R4, R4      // groups of four terms
	CBZ  R4, done

group:
	MOVWU   (R2), R7
	MOVWU   4(R2), R8
	MOVWU   8(R2), R9
	MOVWU   12(R2), R10
	MADD    R5, R1, R7, R7   // R7 = wt + idx[0] * stride
	MADD    R5, R1, R8, R8
	MADD    R5, R1, R9, R9
	MADD    R5, R1, R10, R10
	VLD1R.P 4(R3), [V16.S4]
	VLD1R.P 4(R3), [V17.S4]
	VLD1R.P 4(R3), [V18.S4]
	VLD1R.P 4(R3), [V19.S4]
	MOVD    R0, R11
	MOVD    $0, R12

col:
	VLD1.P 16(R7), [V0.H8]
	VLD1.P 16(R8), [V1.H8]
	VLD1.P 16(R9), [V2.H8]
	VLD1.P 16(R10), [V3.H8]
	VLD1   (R11), [V4.S4, V5.S4]
	WORD   $0x0e217814 // FCVTL  V20.4S, V0.4H
	WORD   $0x4e217815 // FCVTL2 V21.4S, V0.8H
	WORD   $0x0e217836 // FCVTL  V22.4S, V1.4H
	WORD   $0x4e217837 // FCVTL2 V23.4S, V1.8H
	WORD   $0x0e217858 // FCVTL  V24.4S, V2.4H
	WORD   $0x4e217859 // FCVTL2 V25.4S, V2.8H
	WORD   $0x0e21787a // FCVTL  V26.4S, V3.4H
	WORD   $0x4e21787b // FCVTL2 V27.4S, V3.8H
	WORD   $0x6e30de86 // FMUL   V6.4S, V20.4S, V16.4S
	WORD   $0x6e30dea7 // FMUL   V7.4S, V21.4S, V16.4S
	WORD   $0x6e32df1c // FMUL   V28.4S, V24.4S, V18.4S
	WORD   $0x6e32df3d // FMUL   V29.4S, V25.4S, V18.4S
	VFMLA  V17.S4, V22.S4, V6.S4  // V6 += V22 * x1
	VFMLA  V17.S4, V23.S4, V7.S4
	VFMLA  V19.S4, V26.S4, V28.S4 // V28 += V26 * x3
	VFMLA  V19.S4, V27.S4, V29.S4
	WORD   $0x4e3cd4c6 // FADD   V6.4S, V6.4S, V28.4S
	WORD   $0x4e3dd4e7 // FADD   V7.4S, V7.4S, V29.4S
	WORD   $0x4e26d484 // FADD   V4.4S, V4.4S, V6.4S
	WORD   $0x4e27d4a5 // FADD   V5.4S, V5.4S, V7.4S
	VST1.P [V4.S4, V5.S4], 32(R11)
	ADD    $8, R12
	CMP    R6, R12
	BLT    col

	ADD  $16, R2
	SUBS $1, R4, R4
	BNE  group

done:
	RET
