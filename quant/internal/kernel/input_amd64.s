//go:build !noasm

#include "textflag.h"

// normalizeAVX512 is Normalize on blocks of 8 values in float64 lanes, the
// operations of normalizeGo one for one (VSUBPD, VDIVPD, VDIVPD, VADDPD are
// IEEE 754 operations rounded to nearest, as Go's). math.Round (half away
// from zero) has no VRNDSCALEPD mode, so it is built from truncation:
// t = trunc(v); the fraction v - t is exact, and |v - t| >= 0.5 moves t one
// away from zero (copysign(1, v)); infinities and NaN go through unchanged
// (their fraction is NaN, which compares false). VMAXPD returns its second
// source when the first is NaN (Intel SDM vol. 2B, MAXPD), so max(q, 0)
// maps NaN to 0 as !(q >= 0) does; the result, an integer in [0, 255], is
// converted exactly.
//
// Constants: Z16 scale, Z17 zero, Z18 0.5, Z19 1.0, Z20 the sign bit, Z21
// 0, Z22 255.

// func normalizeAVX512(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64)
TEXT ·normalizeAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ mean+16(FP), R8
	MOVQ std+24(FP), R9
	MOVQ blocks+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSD 0(AX), Z16
	VBROADCASTSD 8(AX), Z17
	MOVQ $0x3FE0000000000000, BX
	VPBROADCASTQ BX, Z18
	MOVQ $0x3FF0000000000000, BX
	VPBROADCASTQ BX, Z19
	MOVQ $0x8000000000000000, BX
	VPBROADCASTQ BX, Z20
	VPXORQ Z21, Z21, Z21
	MOVQ $0x406FE00000000000, BX
	VPBROADCASTQ BX, Z22

loop:
	VCVTPS2PD (SI), Z0
	VSUBPD (R8), Z0, Z0
	VDIVPD (R9), Z0, Z0
	VDIVPD Z16, Z0, Z0
	VRNDSCALEPD $0x0B, Z0, Z1 // truncate, no precision exception
	VSUBPD Z1, Z0, Z2
	VANDNPD Z2, Z20, Z2 // |v - t|
	VCMPPD $0x1D, Z18, Z2, K1 // >= 0.5, ordered
	VANDPD Z20, Z0, Z3
	VORPD Z19, Z3, Z3 // copysign(1, v)
	VADDPD Z3, Z1, K1, Z1
	VADDPD Z17, Z1, Z1
	VMAXPD Z21, Z1, Z1
	VMINPD Z22, Z1, Z1
	VCVTTPD2DQ Z1, Y1
	VPMOVDB Y1, X1
	VMOVQ X1, (DI)
	ADDQ $32, SI
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $8, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
	RET
