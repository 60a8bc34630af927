//go:build !noasm

#include "textflag.h"

// Lookup kernels for arm64; contract in dot.go. The Go assembler has no
// FCVTL/FCVTL2 (fp16 -> fp32 widen), vector FADD or FADDP, so they are
// WORD-encoded from the Arm A64 ISA (DDI 0596, "FCVTL, FCVTL2":
// 0 Q 0 01110 0 sz 10000 10111 10 Rn Rd with sz=0 for half to single;
// "FADD (vector)": 0 Q 0 01110 0 sz 1 Rm 11010 1 Rn Rd; "FADDP (vector)":
// 0 Q 1 01110 0 sz 1 Rm 11010 1 Rn Rd; "FADDP (scalar)":
// 01 1 11110 0 sz 11000 01101 10 Rn Rd). Registers R16-R18 and R26-R30 are
// left alone (linker scratch, platform, closure, REGTMP, g, FP, LR).

// func dotsNEON(dst *float32, keys *uint16, q *float32, n, dim, body int)
// Eight accumulators V0-V7 (32 values per step) cover the FMLA latency
// (4 cycles on Cortex-A76, 2 per cycle).
TEXT ·dotsNEON(SB), NOSPLIT, $0-48
	MOVD dst+0(FP), R0
	MOVD keys+8(FP), R1
	MOVD q+16(FP), R2
	MOVD n+24(FP), R3
	MOVD dim+32(FP), R4
	MOVD body+40(FP), R5
	LSL  $1, R4, R4      // key stride in bytes
	AND  $~31, R5, R6    // end of the 32-wide loop

key:
	MOVD R1, R7
	MOVD R2, R8
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD $0, R9
	CMP  R6, R9
	BGE  step16

loop32:
	VLD1.P 64(R7), [V16.H8, V17.H8, V18.H8, V19.H8]
	VLD1.P 64(R8), [V20.S4, V21.S4, V22.S4, V23.S4]
	VLD1.P 64(R8), [V24.S4, V25.S4, V26.S4, V27.S4]
	WORD $0x0e217a1c // FCVTL  V28.4S, V16.4H
	WORD $0x0e217a3d // FCVTL  V29.4S, V17.4H
	WORD $0x0e217a5e // FCVTL  V30.4S, V18.4H
	WORD $0x0e217a7f // FCVTL  V31.4S, V19.4H
	WORD $0x4e217a10 // FCVTL2 V16.4S, V16.8H
	WORD $0x4e217a31 // FCVTL2 V17.4S, V17.8H
	WORD $0x4e217a52 // FCVTL2 V18.4S, V18.8H
	WORD $0x4e217a73 // FCVTL2 V19.4S, V19.8H
	VFMLA  V20.S4, V28.S4, V0.S4
	VFMLA  V21.S4, V16.S4, V1.S4
	VFMLA  V22.S4, V29.S4, V2.S4
	VFMLA  V23.S4, V17.S4, V3.S4
	VFMLA  V24.S4, V30.S4, V4.S4
	VFMLA  V25.S4, V18.S4, V5.S4
	VFMLA  V26.S4, V31.S4, V6.S4
	VFMLA  V27.S4, V19.S4, V7.S4
	ADD    $32, R9
	CMP    R6, R9
	BLT    loop32

step16:
	TBZ    $4, R5, step8 // body - R9 = body % 32 here: 0, 8, 16 or 24
	VLD1.P 32(R7), [V16.H8, V17.H8]
	VLD1.P 64(R8), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x0e217a1c // FCVTL  V28.4S, V16.4H
	WORD $0x4e217a1d // FCVTL2 V29.4S, V16.8H
	WORD $0x0e217a3e // FCVTL  V30.4S, V17.4H
	WORD $0x4e217a3f // FCVTL2 V31.4S, V17.8H
	VFMLA  V20.S4, V28.S4, V0.S4
	VFMLA  V21.S4, V29.S4, V1.S4
	VFMLA  V22.S4, V30.S4, V2.S4
	VFMLA  V23.S4, V31.S4, V3.S4

step8:
	TBZ    $3, R5, reduce
	VLD1.P 16(R7), [V16.H8]
	VLD1.P 32(R8), [V20.S4, V21.S4]
	WORD $0x0e217a1c // FCVTL  V28.4S, V16.4H
	WORD $0x4e217a1d // FCVTL2 V29.4S, V16.8H
	VFMLA  V20.S4, V28.S4, V4.S4
	VFMLA  V21.S4, V29.S4, V5.S4

reduce:
	WORD $0x4e24d400 // FADD  V0.4S, V0.4S, V4.4S
	WORD $0x4e25d421 // FADD  V1.4S, V1.4S, V5.4S
	WORD $0x4e26d442 // FADD  V2.4S, V2.4S, V6.4S
	WORD $0x4e27d463 // FADD  V3.4S, V3.4S, V7.4S
	WORD $0x4e21d400 // FADD  V0.4S, V0.4S, V1.4S
	WORD $0x4e23d442 // FADD  V2.4S, V2.4S, V3.4S
	WORD $0x4e22d400 // FADD  V0.4S, V0.4S, V2.4S
	WORD $0x6e20d400 // FADDP V0.4S, V0.4S, V0.4S
	WORD $0x7e30d800 // FADDP S0, V0.2S
	FMOVS.P F0, 4(R0)
	ADD     R4, R1, R1
	SUBS    $1, R3, R3
	BNE     key
	RET

// func dots4NEON(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)
TEXT ·dots4NEON(SB), NOSPLIT, $0-56
	MOVD dst+0(FP), R0
	MOVD ldd+8(FP), R1
	MOVD keys+16(FP), R2
	MOVD q+24(FP), R3
	MOVD n+32(FP), R4
	MOVD dim+40(FP), R5
	MOVD body+48(FP), R6
	LSL  $2, R1, R1      // output row stride in bytes
	ADD  R5<<2, R3, R10  // query 1
	ADD  R5<<2, R10, R11 // query 2
	ADD  R5<<2, R11, R12 // query 3
	LSL  $1, R5, R5      // key stride in bytes

key4:
	MOVD R2, R7
	MOVD R3, R19
	MOVD R10, R20
	MOVD R11, R21
	MOVD R12, R22
	MOVD R6, R8
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16

loop8:
	VLD1.P 16(R7), [V16.H8]
	WORD $0x0e217a11 // FCVTL  V17.4S, V16.4H
	WORD $0x4e217a12 // FCVTL2 V18.4S, V16.8H
	VLD1.P 32(R19), [V20.S4, V21.S4]
	VFMLA  V20.S4, V17.S4, V0.S4
	VFMLA  V21.S4, V18.S4, V4.S4
	VLD1.P 32(R20), [V22.S4, V23.S4]
	VFMLA  V22.S4, V17.S4, V1.S4
	VFMLA  V23.S4, V18.S4, V5.S4
	VLD1.P 32(R21), [V24.S4, V25.S4]
	VFMLA  V24.S4, V17.S4, V2.S4
	VFMLA  V25.S4, V18.S4, V6.S4
	VLD1.P 32(R22), [V26.S4, V27.S4]
	VFMLA  V26.S4, V17.S4, V3.S4
	VFMLA  V27.S4, V18.S4, V7.S4
	SUBS   $8, R8, R8
	BNE    loop8

	WORD $0x4e24d400 // FADD  V0.4S, V0.4S, V4.4S
	WORD $0x4e25d421 // FADD  V1.4S, V1.4S, V5.4S
	WORD $0x4e26d442 // FADD  V2.4S, V2.4S, V6.4S
	WORD $0x4e27d463 // FADD  V3.4S, V3.4S, V7.4S
	// Pairwise sums leave [q0 q1 q2 q3] in V0.
	WORD $0x6e21d400 // FADDP V0.4S, V0.4S, V1.4S
	WORD $0x6e23d442 // FADDP V2.4S, V2.4S, V3.4S
	WORD $0x6e22d400 // FADDP V0.4S, V0.4S, V2.4S
	FMOVS F0, (R0)
	ADD   R1, R0, R13
	VMOV  V0.S[1], R9
	MOVW  R9, (R13)
	ADD   R1, R13, R13
	VMOV  V0.S[2], R9
	MOVW  R9, (R13)
	ADD   R1, R13, R13
	VMOV  V0.S[3], R9
	MOVW  R9, (R13)
	ADD   $4, R0
	ADD   R5, R2, R2
	SUBS  $1, R4, R4
	BNE   key4
	RET

// func f16to32NEON(dst *float32, src *uint16, n int)
TEXT ·f16to32NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

conv:
	VLD1.P 16(R1), [V0.H8]
	WORD $0x0e217801 // FCVTL  V1.4S, V0.4H
	WORD $0x4e217802 // FCVTL2 V2.4S, V0.8H
	VST1.P [V1.S4, V2.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    conv
	RET
