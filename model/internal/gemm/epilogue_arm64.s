//go:build !noasm

#include "textflag.h"

// storeRunNEON is storeRunGo on quads*4 values, 4 per step: dst = src +
// bias (+ res), then, under the ReLU mask, negative lanes cleared. The
// ReLU is FCMLT #0 and BIC, not FMAX with zero, so that -0 and NaN pass
// unchanged exactly as in Go's `if v < 0 { v = 0 }` (FMAX(-0, +0) is +0).
// WORD-encoded (Arm ARM DDI 0487, C7.2; encodings from llvm-mc
// -triple=aarch64 -show-encoding).
#define BIAS   WORD $0x4e30d400 /* FADD V0.4S, V0.4S, V16.4S */
#define RES    WORD $0x4e21d400 /* FADD V0.4S, V0.4S, V1.4S */
#define RELU \
	WORD $0x4ea0e802 /* FCMLT V2.4S, V0.4S, #0.0 */ \
	WORD $0x4e311c42 /* AND V2.16B, V2.16B, V17.16B */ \
	WORD $0x4e621c00 /* BIC V0.16B, V0.16B, V2.16B */

// func storeRunNEON(dst, src, res *float32, quads int, bias float32, relu uint32)
TEXT ·storeRunNEON(SB), NOSPLIT, $0-40
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  res+16(FP), R2
	MOVD  quads+24(FP), R3
	FMOVS bias+32(FP), F16
	WORD  $0x4e040610 // DUP V16.4S, V16.S[0]
	MOVWU relu+36(FP), R5
	VDUP  R5, V17.S4
	CBZ   R2, nores

withres:
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V1.S4]
	BIAS
	RES
	RELU
	VST1.P [V0.S4], 16(R0)
	SUBS   $1, R3, R3
	BNE    withres
	RET

nores:
	VLD1.P 16(R1), [V0.S4]
	BIAS
	RELU
	VST1.P [V0.S4], 16(R0)
	SUBS   $1, R3, R3
	BNE    nores
	RET
