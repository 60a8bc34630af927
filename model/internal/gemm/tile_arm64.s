//go:build !noasm

#include "textflag.h"

// FMLA Vd.4S, Vn.4S, Vm.S[i] (by element), which the Go assembler lacks.
// Encoding (Arm ARM, A64 "FMLA (by element)", single precision, Q=1):
// 0 1 0 01111 1 0 L M Rm 0001 H 0 Rn Rd, index i = H:L, register m = M:Rm.
#define FMLAE(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// Rows 0..3 take their weight from V18, rows 4..7 from V19; V16/V17 are the
// two 4-position halves of the input; row r accumulates in V(2r), V(2r+1).
#define ROW(r, m, i) FMLAE(2*(r), 16, m, i); FMLAE(2*(r)+1, 17, m, i)

// func product8x8NEON(k int, a, b *float32, offs *int32, sum *float32, ldsum int)
TEXT ·product8x8NEON(SB), NOSPLIT, $0-48
	MOVD k+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD offs+24(FP), R3
	MOVD sum+32(FP), R4
	MOVD ldsum+40(FP), R5
	LSL  $2, R5, R5
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16

// One step of k: the offset (post-incremented), the 8 positions there, the
// 8 weights, 16 FMLAs.
#define STEP \
	MOVW.P 4(R3), R6 \
	ADD    R6<<2, R2, R7 \
	VLD1   (R7), [V16.S4, V17.S4] \
	VLD1.P 32(R1), [V18.S4, V19.S4] \
	ROW(0, 18, 0) \
	ROW(1, 18, 1) \
	ROW(2, 18, 2) \
	ROW(3, 18, 3) \
	ROW(4, 19, 0) \
	ROW(5, 19, 1) \
	ROW(6, 19, 2) \
	ROW(7, 19, 3)

	// Two steps per iteration (the loop's compare and branch are an
	// eighth of one step's instructions); an odd k does one first.
	TBZ $0, R0, pairs
	STEP
	SUBS $1, R0, R0
	BEQ  store

pairs:
	STEP
	STEP
	SUBS $2, R0, R0
	BNE  pairs

store:
	VST1 [V0.S4, V1.S4], (R4)
	ADD  R5, R4
	VST1 [V2.S4, V3.S4], (R4)
	ADD  R5, R4
	VST1 [V4.S4, V5.S4], (R4)
	ADD  R5, R4
	VST1 [V6.S4, V7.S4], (R4)
	ADD  R5, R4
	VST1 [V8.S4, V9.S4], (R4)
	ADD  R5, R4
	VST1 [V10.S4, V11.S4], (R4)
	ADD  R5, R4
	VST1 [V12.S4, V13.S4], (R4)
	ADD  R5, R4
	VST1 [V14.S4, V15.S4], (R4)
	RET
