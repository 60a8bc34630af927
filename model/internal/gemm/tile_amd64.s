//go:build !noasm

#include "textflag.h"

// Offsets into avx512Args (tile_amd64.go).
#define ARG_A 0
#define ARG_B 8
#define ARG_OFFS 16
#define ARG_K 24
#define ARG_C 32
#define ARG_LDC 40
#define ARG_BIAS 48
#define ARG_RES 56
#define ARG_RELU 64
#define ARG_NV 72
#define ARG_MASK 80
#define ARG_OFF 88
#define ARG_ROWS 96

// One weight row against NV input vectors (Z24..Z26): broadcast A[k*8+r] and
// accumulate. Go's operand order is reversed from Intel's: "VFMADD231PS t, x,
// acc" is acc += x*t.
#define ROW3(o, t, a0, a1, a2) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS t, Z25, a1; VFMADD231PS t, Z26, a2
#define ROW2(o, t, a0, a1) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS t, Z25, a1
#define ROW1(o, t, a0) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0

// The same with a last half vector (8 lanes, ymm; AVX-512VL for Y16..Y31):
// tY/hY are the ymm names of t and the half accumulator.
#define ROW2H(o, t, tY, a0, a1, hY) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS t, Z25, a1; VFMADD231PS tY, Y26, hY
#define ROW1H(o, t, tY, a0, hY) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS tY, Y25, hY
#define ROW0H(o, t, tY, hY) VBROADCASTSS o(AX), tY; VFMADD231PS tY, Y24, hY

// Load step k's offset and point SI at B[offs[k]].
#define STEP_B MOVLQSX (CX), SI; LEAQ (BX)(SI*4), SI
#define NEXT ADDQ $32, AX; ADDQ $4, CX; DECQ DX

// Epilogue of one vector: Z27 holds the bias. Add it, compress the real lanes
// (lane mask kl) to the bottom, add the residual's first popcount(kl) values
// (store mask ks; masked-off lanes are never read, so no fault past the
// slice), apply the floor (0 for ReLU, -Inf otherwise; in this operand order
// VMAXPS returns the value itself for NaN, like convRef) and store.
#define EPI_RES(acc, kl, ks, cp, rp) VADDPS Z27, acc, acc; VCOMPRESSPS acc, kl, Z28; VMOVUPS.Z (rp), ks, Z29; VADDPS Z29, Z28, Z28; VMAXPS Z28, Z31, Z28; VMOVUPS Z28, ks, (cp)
#define EPI(acc, kl, ks, cp) VADDPS Z27, acc, acc; VCOMPRESSPS acc, kl, Z28; VMAXPS Z28, Z31, Z28; VMOVUPS Z28, ks, (cp)

#define ROW_RES(o, a0, a1, a2) VBROADCASTSS o(AX), Z27; EPI_RES(a0, K1, K4, R8, R11); EPI_RES(a1, K2, K5, R9, R12); EPI_RES(a2, K3, K6, R10, R13); ADDQ R14, R8; ADDQ R14, R9; ADDQ R14, R10; ADDQ R14, R11; ADDQ R14, R12; ADDQ R14, R13
#define ROW_NORES(o, a0, a1, a2) VBROADCASTSS o(AX), Z27; EPI(a0, K1, K4, R8); EPI(a1, K2, K5, R9); EPI(a2, K3, K6, R10); ADDQ R14, R8; ADDQ R14, R9; ADDQ R14, R10

// Masks of vector j: lane mask (16 bits of the tile mask from bit 16j) into
// kl, its popcount n, store mask (1<<n)-1 into ks, its destination pointer
// C + SI*4 into cp, and SI += n. AX holds the remaining mask bits.
#define VMASK(kl, ks, cp) MOVQ AX, DX; ANDQ $0xffff, DX; KMOVW DX, kl; POPCNTQ DX, CX; MOVL $1, DX; SHLL CX, DX; DECL DX; KMOVW DX, ks; LEAQ (R8)(SI*4), cp; ADDQ CX, SI; SHRQ $16, AX

// func tileAVX512(t *avx512Args)
TEXT ·tileAVX512(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ ARG_A(DI), AX
	MOVQ ARG_B(DI), BX
	MOVQ ARG_OFFS(DI), CX
	MOVQ ARG_K(DI), DX
	MOVQ ARG_NV(DI), R8

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	// R8 = NR/8: 1..6 eighths, odd ones end in a half vector.
	TESTQ DX, DX
	JZ    epilogue
	CMPQ  R8, $6
	JEQ   loop3
	CMPQ  R8, $5
	JEQ   loop2h
	CMPQ  R8, $4
	JEQ   loop2
	CMPQ  R8, $3
	JEQ   loop1h
	CMPQ  R8, $1
	JEQ   loop0h
	JMP   loop1

loop0h:
	STEP_B
	VMOVUPS (SI), Y24
	ROW0H(0, Z27, Y27, Y0)
	ROW0H(4, Z28, Y28, Y3)
	ROW0H(8, Z29, Y29, Y6)
	ROW0H(12, Z30, Y30, Y9)
	ROW0H(16, Z27, Y27, Y12)
	ROW0H(20, Z28, Y28, Y15)
	ROW0H(24, Z29, Y29, Y18)
	ROW0H(28, Z30, Y30, Y21)
	NEXT
	JNZ loop0h
	JMP epilogue

loop1h:
	STEP_B
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Y25
	ROW1H(0, Z27, Y27, Z0, Y1)
	ROW1H(4, Z28, Y28, Z3, Y4)
	ROW1H(8, Z29, Y29, Z6, Y7)
	ROW1H(12, Z30, Y30, Z9, Y10)
	ROW1H(16, Z27, Y27, Z12, Y13)
	ROW1H(20, Z28, Y28, Z15, Y16)
	ROW1H(24, Z29, Y29, Z18, Y19)
	ROW1H(28, Z30, Y30, Z21, Y22)
	NEXT
	JNZ loop1h
	JMP epilogue

loop2h:
	STEP_B
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Z25
	VMOVUPS 128(SI), Y26
	ROW2H(0, Z27, Y27, Z0, Z1, Y2)
	ROW2H(4, Z28, Y28, Z3, Z4, Y5)
	ROW2H(8, Z29, Y29, Z6, Z7, Y8)
	ROW2H(12, Z30, Y30, Z9, Z10, Y11)
	ROW2H(16, Z27, Y27, Z12, Z13, Y14)
	ROW2H(20, Z28, Y28, Z15, Z16, Y17)
	ROW2H(24, Z29, Y29, Z18, Z19, Y20)
	ROW2H(28, Z30, Y30, Z21, Z22, Y23)
	NEXT
	JNZ loop2h
	JMP epilogue

loop1:
	STEP_B
	VMOVUPS (SI), Z24
	ROW1(0, Z27, Z0)
	ROW1(4, Z28, Z3)
	ROW1(8, Z29, Z6)
	ROW1(12, Z30, Z9)
	ROW1(16, Z27, Z12)
	ROW1(20, Z28, Z15)
	ROW1(24, Z29, Z18)
	ROW1(28, Z30, Z21)
	NEXT
	JNZ loop1
	JMP epilogue

loop2:
	STEP_B
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Z25
	ROW2(0, Z27, Z0, Z1)
	ROW2(4, Z28, Z3, Z4)
	ROW2(8, Z29, Z6, Z7)
	ROW2(12, Z30, Z9, Z10)
	ROW2(16, Z27, Z12, Z13)
	ROW2(20, Z28, Z15, Z16)
	ROW2(24, Z29, Z18, Z19)
	ROW2(28, Z30, Z21, Z22)
	NEXT
	JNZ loop2
	JMP epilogue

loop3:
	STEP_B
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Z25
	VMOVUPS 128(SI), Z26
	ROW3(0, Z27, Z0, Z1, Z2)
	ROW3(4, Z28, Z3, Z4, Z5)
	ROW3(8, Z29, Z6, Z7, Z8)
	ROW3(12, Z30, Z9, Z10, Z11)
	ROW3(16, Z27, Z12, Z13, Z14)
	ROW3(20, Z28, Z15, Z16, Z17)
	ROW3(24, Z29, Z18, Z19, Z20)
	ROW3(28, Z30, Z21, Z22, Z23)
	NEXT
	JNZ loop3

epilogue:
	// Floor: 0 for ReLU, -Inf (0xff800000) otherwise.
	VPXORD Z31, Z31, Z31
	MOVQ   ARG_RELU(DI), DX
	TESTQ  DX, DX
	JNZ    floorset
	MOVL   $0xff800000, DX
	VPBROADCASTD DX, Z31

floorset:
	MOVQ ARG_MASK(DI), AX
	MOVQ ARG_OFF(DI), SI
	MOVQ ARG_C(DI), R8
	MOVQ SI, R11 // first real position, for the residual pointers
	VMASK(K1, K4, R9)
	VMASK(K2, K5, R10)
	VMASK(K3, K6, R12)
	// R9, R10, R12 now point at C for vectors 0, 1, 2; move them to R8..R10.
	MOVQ R9, R8
	MOVQ R10, R9
	MOVQ R12, R10
	MOVQ ARG_LDC(DI), R14
	SHLQ $2, R14
	MOVQ ARG_BIAS(DI), AX
	MOVQ ARG_ROWS(DI), CX // rows left to store, 1..8
	MOVQ ARG_RES(DI), BX
	TESTQ BX, BX
	JZ   nores

	// Residual pointers: same offsets from Res as R8..R10 from C.
	MOVQ ARG_C(DI), DX
	MOVQ R8, R11
	SUBQ DX, R11
	ADDQ BX, R11
	MOVQ R9, R12
	SUBQ DX, R12
	ADDQ BX, R12
	MOVQ R10, R13
	SUBQ DX, R13
	ADDQ BX, R13
	ROW_RES(0, Z0, Z1, Z2)
	DECQ CX
	JZ   epidone
	ROW_RES(4, Z3, Z4, Z5)
	DECQ CX
	JZ   epidone
	ROW_RES(8, Z6, Z7, Z8)
	DECQ CX
	JZ   epidone
	ROW_RES(12, Z9, Z10, Z11)
	DECQ CX
	JZ   epidone
	ROW_RES(16, Z12, Z13, Z14)
	DECQ CX
	JZ   epidone
	ROW_RES(20, Z15, Z16, Z17)
	DECQ CX
	JZ   epidone
	ROW_RES(24, Z18, Z19, Z20)
	DECQ CX
	JZ   epidone
	ROW_RES(28, Z21, Z22, Z23)
	JMP  epidone

nores:
	ROW_NORES(0, Z0, Z1, Z2)
	DECQ CX
	JZ   epidone
	ROW_NORES(4, Z3, Z4, Z5)
	DECQ CX
	JZ   epidone
	ROW_NORES(8, Z6, Z7, Z8)
	DECQ CX
	JZ   epidone
	ROW_NORES(12, Z9, Z10, Z11)
	DECQ CX
	JZ   epidone
	ROW_NORES(16, Z12, Z13, Z14)
	DECQ CX
	JZ   epidone
	ROW_NORES(20, Z15, Z16, Z17)
	DECQ CX
	JZ   epidone
	ROW_NORES(24, Z18, Z19, Z20)
	DECQ CX
	JZ   epidone
	ROW_NORES(28, Z21, Z22, Z23)

epidone:
	VZEROUPPER
	RET

// func product4x16AVX2(k int, a, b *float32, offs *int32, sum *float32, ldsum int)
// Y0..Y7: rows 0..3 x two 8-lane halves. a advances by MR floats per step.
TEXT ·product4x16AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ offs+24(FP), CX
	MOVQ sum+32(FP), DI
	MOVQ ldsum+40(FP), R8
	SHLQ $2, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

avx2loop:
	MOVLQSX (CX), SI
	LEAQ    (BX)(SI*4), SI
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y10, Y9, Y1
	VFMADD231PS Y11, Y8, Y2
	VFMADD231PS Y11, Y9, Y3
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	VFMADD231PS Y12, Y8, Y4
	VFMADD231PS Y12, Y9, Y5
	VFMADD231PS Y13, Y8, Y6
	VFMADD231PS Y13, Y9, Y7
	ADDQ $32, AX
	ADDQ $4, CX
	DECQ DX
	JNZ  avx2loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	VZEROUPPER
	RET

// func spreadAVX512(dst, src *float32, groups, rows, w, rowStride, groupStride int)
// Whole 16-value chunks with plain moves, the rest of each row under the mask
// (1 << (w%16)) - 1 in K1; masked-off lanes are neither read nor written.
TEXT ·spreadAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ groups+16(FP), R8
	MOVQ rows+24(FP), R9
	MOVQ w+32(FP), R10
	MOVQ rowStride+40(FP), R11
	MOVQ groupStride+48(FP), R12
	SHLQ $2, R11
	SHLQ $2, R12
	MOVQ R10, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ R10, R13
	SHRQ $4, R13 // whole chunks per row
	MOVQ CX, R14
	SHLQ $2, R14 // bytes in the tail

spreadgroup:
	MOVQ DI, BX // row start in dst
	MOVQ R9, DX

spreadrow:
	MOVQ BX, AX
	MOVQ R13, CX
	TESTQ CX, CX
	JZ   spreadtail

spreadchunk:
	VMOVUPS (SI), Z0
	VMOVUPS Z0, (AX)
	ADDQ $64, SI
	ADDQ $64, AX
	DECQ CX
	JNZ  spreadchunk

spreadtail:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS Z0, K1, (AX)
	ADDQ R14, SI
	ADDQ R11, BX
	DECQ DX
	JNZ  spreadrow
	ADDQ R12, DI
	DECQ R8
	JNZ  spreadgroup
	VZEROUPPER
	RET

// func product4x8AVX2(k int, a, b *float32, offs *int32, sum *float32, ldsum int)
TEXT ·product4x8AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ offs+24(FP), CX
	MOVQ sum+32(FP), DI
	MOVQ ldsum+40(FP), R8
	SHLQ $2, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6

avx2loop8:
	MOVLQSX (CX), SI
	VMOVUPS (BX)(SI*4), Y8
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y8, Y2
	VFMADD231PS Y12, Y8, Y4
	VFMADD231PS Y13, Y8, Y6
	ADDQ $32, AX
	ADDQ $4, CX
	DECQ DX
	JNZ  avx2loop8

	VMOVUPS Y0, (DI)
	ADDQ    R8, DI
	VMOVUPS Y2, (DI)
	ADDQ    R8, DI
	VMOVUPS Y4, (DI)
	ADDQ    R8, DI
	VMOVUPS Y6, (DI)
	VZEROUPPER
	RET
