//go:build !noasm

#include "textflag.h"

// Add.Run in AVX-512F: 64 values per iteration as four independent chains
// of 16 int32 lanes (one chain is about 40 cycles deep, so one at a time
// left most of the vector pipes idle), then 16 at a time. The arithmetic is
// Add.runGo's (add.go) without its tables, rearranged so that each rounding
// costs a sign test instead of gemmlowp's remainder and threshold:
//
// RoundingDivideByPOT(v, r) for r >= 1 is floor((v + 2^(r-1) - [v<0]) / 2^r)
// (gemmlowp fixedpoint.h: remainder > threshold, threshold one more for
// negative v). With v = floor((P)/2^k) that is floor((P + (2^(r-1) -
// [v<0])*2^k) / 2^(k+r)), and v < 0 exactly when P < 0.
//
//   - An input: v = SRDHM((x-za) << 20, mult) = floor(((x-za)*mult + 2^10) /
//     2^11) (mult < 2^31, so the product has 40 bits). With mult = hi*2^11
//     + lo that is (x-za)*hi + floor(((x-za)*lo + 2^10) / 2^11), both
//     products within int32 (|x-za| <= 255, hi < 2^20, lo < 2^11). P < 0
//     exactly when x < za (mult is 0 or at least 2^30 > 2^10; with mult 0
//     the result is 0 either way). So a(x) = (x*hi + c2 + ((x*lo + c1) >>
//     11) - [za > x]) >> r, c1 = 2^10 - za*lo, c2 = 2^(r-1) - za*hi; for
//     r = 0 the sign test compares with 0 and c2 = -za*hi.
//   - The output: s = a + b (|s| < 2^29), P = s*mult + 2^30 in int64 lanes
//     (VPMULDQ on the even channels and on the odd ones shifted down),
//     v' = floor((P + 2^(30+r)) / 2^31) (bits 31..62, within int32 as
//     |s*mult| < 2^60), then (v' - [s<0]) >> r: s < 0 gives P <= 0, and P =
//     0 (s = -1, mult = 2^30) rounds to 0 with or without the term. For r =
//     0 the sign test compares with MinInt32 (never true) and the rounding
//     term is 0.
//   - The clamp to [lo, 255] after adding zo is done before adding it, to
//     [lo-zo, 255-zo], where nothing can overflow.
//
// Constants (Add.vec, add.go), one per register: Z12 za (A's sign test),
// Z13 lo, Z14 hi, Z15 c1, Z16 c2, Z17 r; Z18-Z23 the same for B; Z24 the
// output's multiplier, Z25 2^30 + 2^(30+r) per qword, Z26 its sign test,
// Z27 r, Z28 lo-zo, Z29 255-zo, Z30 zo, Z31 1. K2 = 0xAAAA (odd lanes).

// IN rescales the input x (16 lanes) in place: t and k are temporaries;
// za, lo, hi, c1, c2, r its constants.
#define IN(x, t, k, za, lo, hi, c1, c2, r) \
	VPCMPGTD x, za, k \
	VPMULLD lo, x, t \
	VPMULLD hi, x, x \
	VPADDD c1, t, t \
	VPSRAD $11, t, t \
	VPADDD c2, x, x \
	VPADDD t, x, x \
	VPSUBD Z31, x, k, x \
	VPSRAVD r, x, x

#define INA(x, t, k) IN(x, t, k, Z12, Z13, Z14, Z15, Z16, Z17)
#define INB(x, t, k) IN(x, t, k, Z18, Z19, Z20, Z21, Z22, Z23)

// OUT turns the sum s into 16 bytes at dst; t and u are temporaries.
#define OUT(s, t, u, k, dst) \
	VPSRLQ $32, s, t \
	VPMULDQ Z24, s, u \
	VPMULDQ Z24, t, t \
	VPADDQ Z25, u, u \
	VPADDQ Z25, t, t \
	VPSRLQ $31, u, u \
	VPSLLQ $1, t, t \
	VMOVDQA32 t, K2, u \
	VPCMPGTD s, Z26, k \
	VPSUBD Z31, u, k, u \
	VPSRAVD Z27, u, u \
	VPMAXSD Z28, u, u \
	VPMINSD Z29, u, u \
	VPADDD Z30, u, u \
	VPMOVDB u, dst

// func addAVX512(dst, x, y *uint8, blocks int, vec *int32)
TEXT ·addAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ blocks+24(FP), CX
	MOVQ vec+32(FP), AX
	VMOVDQU32 0(AX), Z12
	VMOVDQU32 64(AX), Z13
	VMOVDQU32 128(AX), Z14
	VMOVDQU32 192(AX), Z15
	VMOVDQU32 256(AX), Z16
	VMOVDQU32 320(AX), Z17
	VMOVDQU32 384(AX), Z18
	VMOVDQU32 448(AX), Z19
	VMOVDQU32 512(AX), Z20
	VMOVDQU32 576(AX), Z21
	VMOVDQU32 640(AX), Z22
	VMOVDQU32 704(AX), Z23
	VMOVDQU32 768(AX), Z24
	VMOVDQU32 832(AX), Z25
	VMOVDQU32 896(AX), Z26
	VMOVDQU32 960(AX), Z27
	VMOVDQU32 1024(AX), Z28
	VMOVDQU32 1088(AX), Z29
	VMOVDQU32 1152(AX), Z30
	VMOVDQU32 1216(AX), Z31
	MOVL $0xAAAA, BX
	KMOVW BX, K2
	CMPQ CX, $4
	JLT one

four:
	VPMOVZXBD 0(SI), Z0
	VPMOVZXBD 16(SI), Z1
	VPMOVZXBD 32(SI), Z2
	VPMOVZXBD 48(SI), Z3
	VPMOVZXBD 0(DX), Z4
	VPMOVZXBD 16(DX), Z5
	VPMOVZXBD 32(DX), Z6
	VPMOVZXBD 48(DX), Z7
	INA(Z0, Z8, K3)
	INA(Z1, Z9, K4)
	INA(Z2, Z10, K5)
	INA(Z3, Z11, K6)
	INB(Z4, Z8, K3)
	INB(Z5, Z9, K4)
	INB(Z6, Z10, K5)
	INB(Z7, Z11, K6)
	VPADDD Z4, Z0, Z0
	VPADDD Z5, Z1, Z1
	VPADDD Z6, Z2, Z2
	VPADDD Z7, Z3, Z3
	OUT(Z0, Z4, Z8, K3, 0(DI))
	OUT(Z1, Z5, Z9, K4, 16(DI))
	OUT(Z2, Z6, Z10, K5, 32(DI))
	OUT(Z3, Z7, Z11, K6, 48(DI))
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE four

one:
	TESTQ CX, CX
	JEQ done
	VPMOVZXBD (SI), Z0
	VPMOVZXBD (DX), Z4
	INA(Z0, Z8, K3)
	INB(Z4, Z9, K4)
	VPADDD Z4, Z0, Z0
	OUT(Z0, Z4, Z8, K3, (DI))
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, DI
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET
