//go:build !noasm

#include "textflag.h"

// Add.Run in AVX-512F, 16 values per step in int32 lanes, the same
// arithmetic as Add.runGo (add.go) without its tables:
// MultiplyByQuantizedMultiplier as in tiles_vnni_amd64.s's RQ (VPMULDQ on
// even and odd lanes, bits 31..62 of x*mult + 2^30, then gemmlowp's
// RoundingDivideByPOT by remainder and threshold). Constants (add.go,
// Add.vec): Z8 za, Z9 zb, Z11-Z13 A's right/mask/thr, Z15-Z17 B's,
// Z18-Z21 the output's mult/right/mask/thr,
// Z22 zo, Z23 lo, Z24-Z27 A's and B's multipliers
// split for MBQMIN; Z29 = 1, Z30 = 2^30 per qword, Z31 = 255; K2 = 0xAAAA.
#define MBQM(x, mult, right, mask, thr, t1, t2) \
	VPSRLQ $32, x, t1 \
	VPMULDQ mult, x, x \
	VPMULDQ mult, t1, t1 \
	VPADDQ Z30, x, x \
	VPADDQ Z30, t1, t1 \
	VPSRLQ $31, x, x \
	VPSLLQ $1, t1, t1 \
	VMOVDQA32 t1, K2, x \
	ROUND(x, right, mask, thr, t1, t2)

// An input's MBQM((x - zero) << 20, mult): with d = x - zero (|d| <= 255),
// (d*2^20*mult + 2^30) >> 31 = (d*mult + 2^10) >> 11 exactly, and with
// mult = hi*2^11 + lo that is d*hi + ((d*lo + 2^10) >> 11), every product
// within int32 (|d*hi| < 2^28, |d*lo| < 2^19): two VPMULLD instead of the
// 64-bit products. Z28 = 2^10.
#define MBQMIN(x, hi, lo, right, mask, thr, t1, t2) \
	VPMULLD lo, x, t1 \
	VPMULLD hi, x, x \
	VPADDD Z28, t1, t1 \
	VPSRAD $11, t1, t1 \
	VPADDD t1, x, x \
	ROUND(x, right, mask, thr, t1, t2)

// RoundingDivideByPOT as gemmlowp (see RQ in tiles_vnni_amd64.s).
#define ROUND(x, right, mask, thr, t1, t2) \
	VPANDD mask, x, t1 \
	VPSRAD $31, x, t2 \
	VPADDD t2, t1, t1 \
	VPCMPGTD thr, t1, K3 \
	VPSRAVD right, x, x \
	VPADDD Z29, x, K3, x

// func addAVX512(dst, x, y *uint8, blocks int, vec *int32)
TEXT ·addAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ blocks+24(FP), CX
	MOVQ vec+32(FP), AX
	VMOVDQU32 0(AX), Z8
	VMOVDQU32 64(AX), Z9
	VMOVDQU32 192(AX), Z11
	VMOVDQU32 256(AX), Z12
	VMOVDQU32 320(AX), Z13
	VMOVDQU32 448(AX), Z15
	VMOVDQU32 512(AX), Z16
	VMOVDQU32 576(AX), Z17
	VMOVDQU32 640(AX), Z18
	VMOVDQU32 704(AX), Z19
	VMOVDQU32 768(AX), Z20
	VMOVDQU32 832(AX), Z21
	VMOVDQU32 896(AX), Z22
	VMOVDQU32 960(AX), Z23
	VMOVDQU32 1024(AX), Z24
	VMOVDQU32 1088(AX), Z25
	VMOVDQU32 1152(AX), Z26
	VMOVDQU32 1216(AX), Z27
	MOVL $1024, BX
	VPBROADCASTD BX, Z28
	MOVL $0xAAAA, BX
	KMOVW BX, K2
	MOVL $1, BX
	VPBROADCASTD BX, Z29
	MOVQ $0x40000000, BX
	VPBROADCASTQ BX, Z30
	MOVL $255, BX
	VPBROADCASTD BX, Z31

loop:
	VPMOVZXBD (SI), Z0
	VPMOVZXBD (DX), Z1
	VPSUBD Z8, Z0, Z0
	VPSUBD Z9, Z1, Z1
	MBQMIN(Z0, Z24, Z25, Z11, Z12, Z13, Z2, Z3)
	MBQMIN(Z1, Z26, Z27, Z15, Z16, Z17, Z4, Z5)
	VPADDD Z1, Z0, Z0
	MBQM(Z0, Z18, Z19, Z20, Z21, Z2, Z3)
	VPMINSD Z31, Z0, Z0
	VPADDD Z22, Z0, Z0
	VPMAXSD Z23, Z0, Z0
	VPMINSD Z31, Z0, Z0
	VPMOVDB Z0, (DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
	RET
