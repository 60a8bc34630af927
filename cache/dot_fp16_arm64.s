//go:build !noasm

#include "textflag.h"

// The lookup's dot products in half precision, for cores with FEAT_FP16
// (Cortex-A76, Pi 5); contract and twin in dot_fp16_arm64.go. The Go
// assembler has no half-precision arrangements, so FMLA (vector, half),
// FCVTN/FCVTN2, FCVTL/FCVTL2, FADD and FADDP are WORD-encoded from the Arm A64
// ISA (DDI 0596: "FMLA (vector)" half-precision 0 Q 0 01110 0 1 0 Rm 00 001 1
// Rn Rd; "FCVTN, FCVTN2" 0 Q 0 01110 0 sz 10000 10110 10 Rn Rd; the others as
// in dot_arm64.s), checked against llvm-mc -mattr=+fullfp16.

// func dotsFP16NEON(dst *float32, keys *uint16, q *uint16, n, dim, body int)
// Value i of a key goes to lane i%8 of accumulator (i/8)%4 (V0-V3, fp16
// FMLA: one rounding per term); the 32 lanes are then widened to fp32 and
// summed in a fixed tree. A step of 32 values is 2 loads and 4 FMLA against
// the fp32 kernel's 3 loads, 8 FCVTL and 8 FMLA.
TEXT ·dotsFP16NEON(SB), NOSPLIT, $0-48
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
	MOVD $0, R9
	CMP  R6, R9
	BGE  step16

loop32:
	VLD1.P 64(R7), [V16.H8, V17.H8, V18.H8, V19.H8]
	VLD1.P 64(R8), [V20.H8, V21.H8, V22.H8, V23.H8]
	WORD $0x4e540e00 // FMLA V0.8H, V16.8H, V20.8H
	WORD $0x4e550e21 // FMLA V1.8H, V17.8H, V21.8H
	WORD $0x4e560e42 // FMLA V2.8H, V18.8H, V22.8H
	WORD $0x4e570e63 // FMLA V3.8H, V19.8H, V23.8H
	ADD  $32, R9
	CMP  R6, R9
	BLT  loop32

step16:
	TBZ    $4, R5, step8 // body % 32 is 0, 8, 16 or 24 here
	VLD1.P 32(R7), [V16.H8, V17.H8]
	VLD1.P 32(R8), [V20.H8, V21.H8]
	WORD $0x4e540e00 // FMLA V0.8H, V16.8H, V20.8H
	WORD $0x4e550e21 // FMLA V1.8H, V17.8H, V21.8H
	TBZ    $3, R5, reduce
	VLD1.P 16(R7), [V16.H8]
	VLD1.P 16(R8), [V20.H8]
	WORD $0x4e540e02 // FMLA V2.8H, V16.8H, V20.8H
	B      reduce

step8:
	TBZ    $3, R5, reduce
	VLD1.P 16(R7), [V16.H8]
	VLD1.P 16(R8), [V20.H8]
	WORD $0x4e540e00 // FMLA V0.8H, V16.8H, V20.8H

reduce:
	WORD $0x0e217804 // FCVTL  V4.4S, V0.4H
	WORD $0x4e217805 // FCVTL2 V5.4S, V0.8H
	WORD $0x0e217826 // FCVTL  V6.4S, V1.4H
	WORD $0x4e217827 // FCVTL2 V7.4S, V1.8H
	WORD $0x0e217858 // FCVTL  V24.4S, V2.4H
	WORD $0x4e217859 // FCVTL2 V25.4S, V2.8H
	WORD $0x0e21787a // FCVTL  V26.4S, V3.4H
	WORD $0x4e21787b // FCVTL2 V27.4S, V3.8H
	WORD $0x4e25d484 // FADD   V4.4S, V4.4S, V5.4S
	WORD $0x4e27d4c6 // FADD   V6.4S, V6.4S, V7.4S
	WORD $0x4e39d718 // FADD   V24.4S, V24.4S, V25.4S
	WORD $0x4e3bd75a // FADD   V26.4S, V26.4S, V27.4S
	WORD $0x4e26d484 // FADD   V4.4S, V4.4S, V6.4S
	WORD $0x4e3ad718 // FADD   V24.4S, V24.4S, V26.4S
	WORD $0x4e38d484 // FADD   V4.4S, V4.4S, V24.4S
	WORD $0x6e24d484 // FADDP  V4.4S, V4.4S, V4.4S
	WORD $0x7e30d884 // FADDP  S4, V4.2S
	FMOVS.P F4, 4(R0)
	ADD     R4, R1, R1
	SUBS    $1, R3, R3
	BNE     key
	RET

// func f32to16NEON(dst *uint16, src *float32, n int)
// n a multiple of 8; FCVTN rounds to nearest, ties to even (FPCR's default).
TEXT ·f32to16NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

narrow:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	WORD $0x0e216802 // FCVTN  V2.4H, V0.4S
	WORD $0x4e216822 // FCVTN2 V2.8H, V1.4S
	VST1.P [V2.H8], 16(R0)
	SUBS   $8, R2, R2
	BNE    narrow
	RET
