//go:build !noasm

#include "textflag.h"

// Lane permutations (VPERMI2PS indices: 0-15 pick from the first table,
// 16-31 from the second): the even and odd columns of 32, and the
// interleaving of two vectors' lanes 0-7 (ilo) and 8-15 (ihi).
DATA evens<>+0(SB)/4, $0
DATA evens<>+4(SB)/4, $2
DATA evens<>+8(SB)/4, $4
DATA evens<>+12(SB)/4, $6
DATA evens<>+16(SB)/4, $8
DATA evens<>+20(SB)/4, $10
DATA evens<>+24(SB)/4, $12
DATA evens<>+28(SB)/4, $14
DATA evens<>+32(SB)/4, $16
DATA evens<>+36(SB)/4, $18
DATA evens<>+40(SB)/4, $20
DATA evens<>+44(SB)/4, $22
DATA evens<>+48(SB)/4, $24
DATA evens<>+52(SB)/4, $26
DATA evens<>+56(SB)/4, $28
DATA evens<>+60(SB)/4, $30
GLOBL evens<>(SB), RODATA|NOPTR, $64
DATA odds<>+0(SB)/4, $1
DATA odds<>+4(SB)/4, $3
DATA odds<>+8(SB)/4, $5
DATA odds<>+12(SB)/4, $7
DATA odds<>+16(SB)/4, $9
DATA odds<>+20(SB)/4, $11
DATA odds<>+24(SB)/4, $13
DATA odds<>+28(SB)/4, $15
DATA odds<>+32(SB)/4, $17
DATA odds<>+36(SB)/4, $19
DATA odds<>+40(SB)/4, $21
DATA odds<>+44(SB)/4, $23
DATA odds<>+48(SB)/4, $25
DATA odds<>+52(SB)/4, $27
DATA odds<>+56(SB)/4, $29
DATA odds<>+60(SB)/4, $31
GLOBL odds<>(SB), RODATA|NOPTR, $64
DATA ilo<>+0(SB)/4, $0
DATA ilo<>+4(SB)/4, $16
DATA ilo<>+8(SB)/4, $1
DATA ilo<>+12(SB)/4, $17
DATA ilo<>+16(SB)/4, $2
DATA ilo<>+20(SB)/4, $18
DATA ilo<>+24(SB)/4, $3
DATA ilo<>+28(SB)/4, $19
DATA ilo<>+32(SB)/4, $4
DATA ilo<>+36(SB)/4, $20
DATA ilo<>+40(SB)/4, $5
DATA ilo<>+44(SB)/4, $21
DATA ilo<>+48(SB)/4, $6
DATA ilo<>+52(SB)/4, $22
DATA ilo<>+56(SB)/4, $7
DATA ilo<>+60(SB)/4, $23
GLOBL ilo<>(SB), RODATA|NOPTR, $64
DATA ihi<>+0(SB)/4, $8
DATA ihi<>+4(SB)/4, $24
DATA ihi<>+8(SB)/4, $9
DATA ihi<>+12(SB)/4, $25
DATA ihi<>+16(SB)/4, $10
DATA ihi<>+20(SB)/4, $26
DATA ihi<>+24(SB)/4, $11
DATA ihi<>+28(SB)/4, $27
DATA ihi<>+32(SB)/4, $12
DATA ihi<>+36(SB)/4, $28
DATA ihi<>+40(SB)/4, $13
DATA ihi<>+44(SB)/4, $29
DATA ihi<>+48(SB)/4, $14
DATA ihi<>+52(SB)/4, $30
DATA ihi<>+56(SB)/4, $15
DATA ihi<>+60(SB)/4, $31
GLOBL ihi<>(SB), RODATA|NOPTR, $64

// Offsets into inputArgs (transform_amd64.go).
#define IN_V 0
#define IN_PAD 8
#define IN_IN 16
#define IN_ROWS 24
#define IN_MASK 32
#define IN_WQ4 40
#define IN_PLANE4 48
#define IN_BP4 56
#define IN_POS4 64
#define IN_TW4 72
#define IN_LANES 80

// XFORM is one stage of B^T d B on four vectors (a, b, c, d), one per row
// (or column) of the tile: a-c, b+c, c-b, b-d, left in a, t, c, d. Go's
// operand order is Intel's reversed: "VSUBPS x, y, z" is z = y - x.
#define XFORM(a, b, c, d, t) VADDPS c, b, t; VSUBPS c, a, a; VSUBPS d, b, d; VSUBPS b, c, c

// COLS loads row r of 16 tiles (34 values from ptr) as its four columns:
// the even and odd values from 0 and from 2.
#define COLS(ptr, c0, c1, c2, c3) VMOVUPS (ptr), Z16; VMOVUPS 64(ptr), Z17; VMOVUPS 8(ptr), Z18; VMOVUPS 72(ptr), Z19; VMOVAPS Z30, c0; VPERMI2PS Z17, Z16, c0; VMOVAPS Z31, c1; VPERMI2PS Z17, Z16, c1; VMOVAPS Z30, c2; VPERMI2PS Z19, Z18, c2; VMOVAPS Z31, c3; VPERMI2PS Z19, Z18, c3

// STORE4 writes four positions, CX bytes apart, from AX on.
#define STORE4(a, b, c, d) VMOVUPS a, K1, (AX); ADDQ CX, AX; VMOVUPS b, K1, (AX); ADDQ CX, AX; VMOVUPS c, K1, (AX); ADDQ CX, AX; VMOVUPS d, K1, (AX); ADDQ CX, AX

// The same for runs of exactly 16, 8 and 4 tiles, unmasked.
#define STORE4Z(a, b, c, d) VMOVUPS a, (AX); ADDQ CX, AX; VMOVUPS b, (AX); ADDQ CX, AX; VMOVUPS c, (AX); ADDQ CX, AX; VMOVUPS d, (AX); ADDQ CX, AX
#define STORE4Y(a, b, c, d) STORE4Z(a, b, c, d)
#define STORE4X(a, b, c, d) STORE4Z(a, b, c, d)

// func inputAVX512(a *inputArgs)
TEXT ·inputAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ IN_V(DI), R10
	MOVQ IN_PAD(DI), R9
	MOVQ IN_IN(DI), R8
	MOVQ IN_MASK(DI), AX
	KMOVW AX, K1
	MOVQ IN_WQ4(DI), R14
	MOVQ IN_POS4(DI), CX
	VMOVUPS evens<>(SB), Z30
	VMOVUPS odds<>(SB), Z31

inchan:
	MOVQ R9, R12
	MOVQ R10, R13
	MOVQ IN_ROWS(DI), R11

inrow:
	// d[i][j] in Z(4i+j).
	COLS(R12, Z0, Z1, Z2, Z3)
	LEAQ (R12)(R14*1), AX
	COLS(AX, Z4, Z5, Z6, Z7)
	ADDQ R14, AX
	COLS(AX, Z8, Z9, Z10, Z11)
	ADDQ R14, AX
	COLS(AX, Z12, Z13, Z14, Z15)

	// Rows: column j's r0..r3 end in Zj, Z(20+j), Z(8+j), Z(12+j).
	XFORM(Z0, Z4, Z8, Z12, Z20)
	XFORM(Z1, Z5, Z9, Z13, Z21)
	XFORM(Z2, Z6, Z10, Z14, Z22)
	XFORM(Z3, Z7, Z11, Z15, Z23)

	// Columns of each row i: positions 4i..4i+3.
	XFORM(Z0, Z1, Z2, Z3, Z4)
	XFORM(Z20, Z21, Z22, Z23, Z5)
	XFORM(Z8, Z9, Z10, Z11, Z6)
	XFORM(Z12, Z13, Z14, Z15, Z7)

	// Store whole vectors when the run fills one (masked stores are slow
	// on AMD's cores), else under the lane mask.
	MOVQ R13, AX
	MOVQ IN_LANES(DI), DX
	CMPQ DX, $16
	JEQ  instz
	CMPQ DX, $8
	JEQ  insty
	CMPQ DX, $4
	JEQ  instx

instk:
	STORE4(Z0, Z4, Z2, Z3)
	STORE4(Z20, Z5, Z22, Z23)
	STORE4(Z8, Z6, Z10, Z11)
	STORE4(Z12, Z7, Z14, Z15)
	JMP  innext

instz:
	STORE4Z(Z0, Z4, Z2, Z3)
	STORE4Z(Z20, Z5, Z22, Z23)
	STORE4Z(Z8, Z6, Z10, Z11)
	STORE4Z(Z12, Z7, Z14, Z15)
	JMP  innext

insty:
	STORE4Y(Y0, Y4, Y2, Y3)
	STORE4Y(Y20, Y5, Y22, Y23)
	STORE4Y(Y8, Y6, Y10, Y11)
	STORE4Y(Y12, Y7, Y14, Y15)
	JMP  innext

instx:
	STORE4X(X0, X4, X2, X3)
	STORE4X(X20, X5, X22, X23)
	STORE4X(X8, X6, X10, X11)
	STORE4X(X12, X7, X14, X15)
	JMP  innext

innext:
	LEAQ (R12)(R14*2), R12
	ADDQ IN_TW4(DI), R13
	DECQ R11
	JNZ  inrow

	ADDQ IN_PLANE4(DI), R9
	ADDQ IN_BP4(DI), R10
	DECQ R8
	JNZ  inchan
	VZEROUPPER
	RET

// Offsets into outputArgs.
#define OUT_DST 0
#define OUT_M 8
#define OUT_BIAS 16
#define OUT_RES 24
#define OUT_OUT 32
#define OUT_ROWS 40
#define OUT_TILES 48
#define OUT_COLS 56
#define OUT_HALF 64
#define OUT_FLOOR 72
#define OUT_OW4 80
#define OUT_PLANE4 88
#define OUT_BP4 96
#define OUT_POS4 104
#define OUT_TW4 112

// LOAD4 reads four positions, CX bytes apart, from AX on (lanes past the
// run are zero and never read).
#define LOAD4(a, b, c, d) VMOVUPS.Z (AX), K1, a; ADDQ CX, AX; VMOVUPS.Z (AX), K1, b; ADDQ CX, AX; VMOVUPS.Z (AX), K1, c; ADDQ CX, AX; VMOVUPS.Z (AX), K1, d; ADDQ CX, AX

// SUMS is the row stage for column j (m[i][j] in a, b, c, d): s = (a+b)+c
// into s, t = (b-c)-d into t.
#define SUMS(a, b, c, d, s, t) VADDPS b, a, s; VADDPS c, s, s; VSUBPS c, b, t; VSUBPS d, t, t

// func outputAVX512(a *outputArgs)
TEXT ·outputAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ OUT_DST(DI), R9
	MOVQ OUT_M(DI), R10
	MOVQ OUT_RES(DI), R11
	MOVQ OUT_BIAS(DI), BX
	MOVQ OUT_OUT(DI), R8
	MOVQ OUT_TILES(DI), AX
	KMOVW AX, K1
	MOVQ OUT_COLS(DI), AX
	KMOVW AX, K2
	SHRQ $16, AX
	KMOVW AX, K3
	MOVQ OUT_POS4(DI), CX
	MOVQ OUT_OW4(DI), DX
	VPBROADCASTD OUT_FLOOR(DI), Z31
	VMOVUPS ilo<>(SB), Z29
	VMOVUPS ihi<>(SB), Z30

outchan:
	VBROADCASTSS (BX), Z28
	MOVQ R9, R13
	MOVQ R10, SI
	MOVQ R11, R14
	MOVQ OUT_ROWS(DI), R12
	KMOVW K2, K4
	KMOVW K3, K5

outrow:
	CMPQ R12, $1
	JNE  outfull
	CMPQ OUT_HALF(DI), $0
	JEQ  outfull
	KXORW K4, K4, K4
	KXORW K5, K5, K5

outfull:
	// m[i][j] in Z(4i+j).
	MOVQ SI, AX
	LOAD4(Z0, Z1, Z2, Z3)
	LOAD4(Z4, Z5, Z6, Z7)
	LOAD4(Z8, Z9, Z10, Z11)
	LOAD4(Z12, Z13, Z14, Z15)

	// Rows: s_j in Z(16+j), t_j in Z(20+j).
	SUMS(Z0, Z4, Z8, Z12, Z16, Z20)
	SUMS(Z1, Z5, Z9, Z13, Z17, Z21)
	SUMS(Z2, Z6, Z10, Z14, Z18, Z22)
	SUMS(Z3, Z7, Z11, Z15, Z19, Z23)

	// Columns: y00, y01 (output row 2ty) and y10, y11 (row 2ty+1).
	SUMS(Z16, Z17, Z18, Z19, Z24, Z25)
	SUMS(Z20, Z21, Z22, Z23, Z26, Z27)
	VADDPS Z28, Z24, Z24
	VADDPS Z28, Z25, Z25
	VADDPS Z28, Z26, Z26
	VADDPS Z28, Z27, Z27

	// Interleave each row's two outputs per tile: columns 2tx, 2tx+1.
	VMOVAPS   Z29, Z0
	VPERMI2PS Z25, Z24, Z0
	VMOVAPS   Z30, Z1
	VPERMI2PS Z25, Z24, Z1
	VMOVAPS   Z29, Z2
	VPERMI2PS Z27, Z26, Z2
	VMOVAPS   Z30, Z3
	VPERMI2PS Z27, Z26, Z3

	TESTQ R14, R14
	JZ    outnores
	VMOVUPS.Z (R14), K2, Z4
	VMOVUPS.Z 64(R14), K3, Z5
	VMOVUPS.Z (R14)(DX*1), K4, Z6
	VMOVUPS.Z 64(R14)(DX*1), K5, Z7
	VADDPS    Z4, Z0, Z0
	VADDPS    Z5, Z1, Z1
	VADDPS    Z6, Z2, Z2
	VADDPS    Z7, Z3, Z3
	LEAQ      (R14)(DX*2), R14

outnores:
	// In this operand order VMAXPS returns the value for NaN and -0.
	VMAXPS  Z0, Z31, Z0
	VMAXPS  Z1, Z31, Z1
	VMAXPS  Z2, Z31, Z2
	VMAXPS  Z3, Z31, Z3
	VMOVUPS Z0, K2, (R13)
	VMOVUPS Z1, K3, 64(R13)
	VMOVUPS Z2, K4, (R13)(DX*1)
	VMOVUPS Z3, K5, 64(R13)(DX*1)

	LEAQ (R13)(DX*2), R13
	ADDQ OUT_TW4(DI), SI
	DECQ R12
	JNZ  outrow

	ADDQ $4, BX
	ADDQ OUT_PLANE4(DI), R9
	ADDQ OUT_BP4(DI), R10
	TESTQ R11, R11
	JZ   outnext
	ADDQ OUT_PLANE4(DI), R11

outnext:
	DECQ R8
	JNZ  outchan
	VZEROUPPER
	RET
