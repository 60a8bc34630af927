//go:build !noasm

#include "textflag.h"

// Why VPMADDWD and not VPMADDUBSW: VPMADDUBSW adds two u8*s8 products into a
// saturating int16, and 255*127*2 = 64770 overflows it, so an exact VPMADDUBSW
// scheme needs two of them (activations split as x = (x&0x7F) + (x&0x80))
// plus a VPMADDWD each to widen: 4 multiplies per 32 products. Widening the
// activations to 16 bits once per pixel and multiplying by 16-bit weights
// with VPMADDWD (int16*int16 summed in pairs into int32, exact: the only
// overflowing input, -32768*-32768*2, cannot occur) costs 2 multiplies per
// 32 products, the same as the inexact VPMADDUBSW+VPMADDWD pair.

#define ARGS $0-80

// Rows r, r+1 (weights Y12, Y13) against pixels 0-3 (Y8-Y11, 16 words each):
// accumulator Y(4*(row-r)+p).
#define MACS \
	VPMADDWD Y12, Y8, Y14 \
	VPADDD Y14, Y0, Y0 \
	VPMADDWD Y12, Y9, Y15 \
	VPADDD Y15, Y1, Y1 \
	VPMADDWD Y12, Y10, Y14 \
	VPADDD Y14, Y2, Y2 \
	VPMADDWD Y12, Y11, Y15 \
	VPADDD Y15, Y3, Y3 \
	VPMADDWD Y13, Y8, Y14 \
	VPADDD Y14, Y4, Y4 \
	VPMADDWD Y13, Y9, Y15 \
	VPADDD Y15, Y5, Y5 \
	VPMADDWD Y13, Y10, Y14 \
	VPADDD Y14, Y6, Y6 \
	VPMADDWD Y13, Y11, Y15 \
	VPADDD Y15, Y7, Y7

#define REDUCE(a0, a1, a2, a3, x0, x1, dst) \
	VPHADDD a1, a0, a0 \
	VPHADDD a3, a2, a2 \
	VPHADDD a2, a0, a0 \
	VEXTRACTI128 $1, a0, x1 \
	VPADDD x1, x0, x0 \
	VMOVDQU x0, dst

// The last partial block: the 16 bytes ending at Depth (R13 is Depth-16),
// shuffled so the rem new ones come first and the rest are zero.
#define TAILX(row, x, y) \
	VMOVDQU (row)(R13*1), x \
	VPSHUFB X14, x, x \
	VPMOVZXBW x, y

// One pass: rows (woff/32, woff/32+1) of the panel against the four pixels.
#define PASS(woff, blockl, taill, donel) \
	LEAQ woff(SI), AX \
	XORQ DX, DX \
	CMPQ R12, $0 \
	JEQ taill \
blockl: \
	VPMOVZXBW (R8)(DX*1), Y8 \
	VPMOVZXBW (R9)(DX*1), Y9 \
	VPMOVZXBW (R10)(DX*1), Y10 \
	VPMOVZXBW (R11)(DX*1), Y11 \
	VMOVDQU (AX), Y12 \
	VMOVDQU 32(AX), Y13 \
	MACS \
	ADDQ $128, AX \
	ADDQ $16, DX \
	CMPQ DX, R12 \
	JLT blockl \
taill: \
	CMPQ R13, $0 \
	JLT donel \
	MOVQ shuf+32(FP), DX \
	VMOVDQU (DX), X14 \
	TAILX(R8, X8, Y8) \
	TAILX(R9, X9, Y9) \
	TAILX(R10, X10, Y10) \
	TAILX(R11, X11, Y11) \
	VMOVDQU (AX), Y12 \
	VMOVDQU 32(AX), Y13 \
	MACS \
donel:

#define ZERO \
	VPXOR Y0, Y0, Y0 \
	VPXOR Y1, Y1, Y1 \
	VPXOR Y2, Y2, Y2 \
	VPXOR Y3, Y3, Y3 \
	VPXOR Y4, Y4, Y4 \
	VPXOR Y5, Y5, Y5 \
	VPXOR Y6, Y6, Y6 \
	VPXOR Y7, Y7, Y7

// func tilesAVX2(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
//
// Two passes per group of four pixels, rows 0-1 then rows 2-3, since 16
// registers hold 8 accumulators, 4 pixels, 2 weight rows and 2 products.
TEXT ·tilesAVX2(SB), NOSPLIT, ARGS
	MOVQ a+0(FP), SI
	MOVQ blocks+16(FP), R12
	SHLQ $4, R12 // bytes of whole blocks per pixel
	// R13 = Depth-16 when rem > 0, else -1 (no tail).
	MOVQ rem+24(FP), R13
	LEAQ -16(R12)(R13*1), DX
	MOVQ $-1, AX
	TESTQ R13, R13
	CMOVQEQ AX, DX
	MOVQ DX, R13
	MOVQ b+40(FP), R8
	MOVQ ldb+48(FP), BX
	MOVQ quads+56(FP), CX
	MOVQ c+64(FP), DI
	MOVQ ldc+72(FP), R14
	SHLQ $2, R14

quad:
	LEAQ (R8)(BX*1), R9
	LEAQ (R8)(BX*2), R10
	LEAQ (R9)(BX*2), R11
	ZERO
	PASS(0, block0, tail0, done0)
	REDUCE(Y0, Y1, Y2, Y3, X0, X1, (DI))
	REDUCE(Y4, Y5, Y6, Y7, X4, X5, (DI)(R14*1))
	ZERO
	PASS(64, block1, tail1, done1)
	LEAQ (DI)(R14*2), DX
	REDUCE(Y0, Y1, Y2, Y3, X0, X1, (DX))
	REDUCE(Y4, Y5, Y6, Y7, X4, X5, (DX)(R14*1))
	ADDQ $16, DI
	LEAQ (R8)(BX*4), R8
	DECQ CX
	JNZ quad
	VZEROUPPER
	RET
