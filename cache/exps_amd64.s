//go:build !noasm

#include "textflag.h"

// func expsAVX2(dst, src *float32, n int, theta, m float32)
// Eight terms per step, the arithmetic of exps.go: VROUNDPS imm 0 rounds to
// nearest even, VCMPPS predicate 0x1d is GE_OQ (false for NaN), and
// VCVTPS2DQ of the already integral r is exact (Intel SDM vol. 2). All 16
// registers are in use: Y4-Y15 constants, Y0-Y3 the step.
TEXT ·expsAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS theta+24(FP), Y15
	VBROADCASTSS m+28(FP), Y14
	LEAQ         ·expCoef(SB), R8
	VBROADCASTSS 0(R8), Y13     // log2(e)
	VBROADCASTSS 4(R8), Y12     // -cutoff
	VBROADCASTSS 8(R8), Y11     // ln2Hi
	VBROADCASTSS 12(R8), Y10    // ln2Lo
	VBROADCASTSS 16(R8), Y9     // 1
	VBROADCASTSS 20(R8), Y8     // 1/2
	VBROADCASTSS 24(R8), Y7     // 1/6
	VBROADCASTSS 28(R8), Y6     // 1/24
	VBROADCASTSS 32(R8), Y5     // 1/120
	VBROADCASTSS 36(R8), Y4     // 1/720
	XORQ         AX, AX

loop:
	VMOVUPS      (SI)(AX*4), Y0
	VSUBPS       Y14, Y0, Y0    // s - m
	VMULPS       Y15, Y0, Y0    // d
	VCMPPS       $0x1d, Y12, Y0, Y1
	VMULPS       Y13, Y0, Y2
	VROUNDPS     $0, Y2, Y3     // r
	VFNMADD231PS Y11, Y3, Y0    // f = d - r ln2Hi
	VFNMADD231PS Y10, Y3, Y0    //     - r ln2Lo
	VMOVAPS      Y4, Y2
	VFMADD213PS  Y5, Y0, Y2
	VFMADD213PS  Y6, Y0, Y2
	VFMADD213PS  Y7, Y0, Y2
	VFMADD213PS  Y8, Y0, Y2
	VFMADD213PS  Y9, Y0, Y2
	VFMADD213PS  Y9, Y0, Y2     // e^f
	VCVTPS2DQ    Y3, Y3
	VPSLLD       $23, Y3, Y3
	VPADDD       Y3, Y2, Y2     // * 2^r
	VANDPS       Y1, Y2, Y2     // 0 below the cutoff
	VMOVUPS      Y2, (DI)(AX*4)
	ADDQ         $8, AX
	CMPQ         AX, CX
	JLT          loop
	VZEROUPPER
	RET
