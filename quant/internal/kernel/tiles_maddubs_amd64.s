//go:build !noasm

#include "textflag.h"

// tilesMaddubs: 4x4 tiles with VPMADDUBSW (AVX2), int8 weights in blocks of
// 16 values of depth, a block being rows 0-3 of the panel, 16 bytes each.
//
// Exactness. VPMADDUBSW multiplies unsigned bytes by signed bytes and adds
// adjacent pairs into int16 with signed saturation (Intel SDM vol. 2,
// PMADDUBSW). With x in 0..255 and w in -127..127 a pair can reach
// 2*255*127 = 64770 > 32767, so x is split as x = lo + 128*hi with
//
//	lo = x & 0x7F (0..127):  |pair| <= 2*127*127 = 32258 <= 32767, exact;
//	hi = x >> 7   (0 or 1):  |pair| <= 2*1*127   =   254, exact,
//
// and each int16 pair sum is widened exactly by VPMADDWD (int16*int16,
// adjacent pairs added into int32): lo against 1s, hi against 128s, so
// 128*|pair| <= 128*254 = 32512, each int32 at most 2*32512. The two are
// added into the int32 accumulators, which wrap exactly as gemmRef's int32
// sums do. Cost: 2 VPMADDUBSW + 2 VPMADDWD per 32 products, against the
// avx2 kernel's 2 VPMADDWD (tiles_avx2_amd64.s).
//
// Layout. A YMM of weights holds two rows' 16 bytes (rows 0,1 or 2,3); the
// pixel's 16 bytes are broadcast to both 128-bit lanes, so one accumulator
// holds two rows of one pixel: row 2q in the low lane, 2q+1 in the high.

#define ARGS $0-80

// Constants: bytes 0x7F, bytes 0x01, words 1, words 128.
DATA maddubsK<>+0(SB)/8, $0x7f7f7f7f7f7f7f7f
DATA maddubsK<>+8(SB)/8, $0x7f7f7f7f7f7f7f7f
DATA maddubsK<>+16(SB)/8, $0x7f7f7f7f7f7f7f7f
DATA maddubsK<>+24(SB)/8, $0x7f7f7f7f7f7f7f7f
DATA maddubsK<>+32(SB)/8, $0x0101010101010101
DATA maddubsK<>+40(SB)/8, $0x0101010101010101
DATA maddubsK<>+48(SB)/8, $0x0101010101010101
DATA maddubsK<>+56(SB)/8, $0x0101010101010101
DATA maddubsK<>+64(SB)/8, $0x0001000100010001
DATA maddubsK<>+72(SB)/8, $0x0001000100010001
DATA maddubsK<>+80(SB)/8, $0x0001000100010001
DATA maddubsK<>+88(SB)/8, $0x0001000100010001
DATA maddubsK<>+96(SB)/8, $0x0080008000800080
DATA maddubsK<>+104(SB)/8, $0x0080008000800080
DATA maddubsK<>+112(SB)/8, $0x0080008000800080
DATA maddubsK<>+120(SB)/8, $0x0080008000800080
GLOBL maddubsK<>(SB), RODATA|NOPTR, $128

// Split Y11 (x in both lanes) into Y10 = lo and Y11 = hi. VPSRLW shifts
// words, so the AND with 0x01 drops the bits shifted in from the next byte.
#define SPLIT \
	VPAND maddubsK<>+0(SB), Y11, Y10 \
	VPSRLW $7, Y11, Y11 \
	VPAND maddubsK<>+32(SB), Y11, Y11

// Weights Y8 (rows 0,1) and Y9 (rows 2,3) against the pixel in Y10/Y11, into
// accumulators a01 and a23. Go's operand order: VPMADDUBSW signed, unsigned, dst.
#define PRODUCTS(a01, a23) \
	VPMADDUBSW Y8, Y10, Y12 \
	VPMADDWD Y14, Y12, Y12 \
	VPADDD Y12, a01, a01 \
	VPMADDUBSW Y8, Y11, Y13 \
	VPMADDWD Y15, Y13, Y13 \
	VPADDD Y13, a01, a01 \
	VPMADDUBSW Y9, Y10, Y12 \
	VPMADDWD Y14, Y12, Y12 \
	VPADDD Y12, a23, a23 \
	VPMADDUBSW Y9, Y11, Y13 \
	VPMADDWD Y15, Y13, Y13 \
	VPADDD Y13, a23, a23

#define PIXEL(src, a01, a23) \
	VBROADCASTI128 (src)(DX*1), Y11 \
	SPLIT \
	PRODUCTS(a01, a23)

// The last partial block: the 16 bytes ending at Depth (R13 is Depth-16),
// shuffled (shuf at DX) so the rem new ones come first and the rest are zero.
#define TAILPIXEL(src, a01, a23) \
	VMOVDQU (src)(R13*1), X11 \
	VPSHUFB (DX), X11, X11 \
	VINSERTI128 $1, X11, Y11, Y11 \
	SPLIT \
	PRODUCTS(a01, a23)

// Accumulators a0-a3 (pixels 0-3, rows r,r+1 in the lanes) to the 4 sums of
// row r at dst and of row r+1 at dst+ldc.
#define REDUCE(a0, a1, a2, a3, x0, dst, dst1) \
	VPHADDD a1, a0, a0 \
	VPHADDD a3, a2, a2 \
	VPHADDD a2, a0, a0 \
	VMOVDQU x0, dst \
	VEXTRACTI128 $1, a0, dst1

// func tilesMaddubs(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
//
// Registers: Y0-Y3 rows 0,1 and Y4-Y7 rows 2,3 of pixels 0-3, Y8/Y9
// weights, Y10/Y11 the pixel split, Y12/Y13 products, Y14/Y15 the 1s and
// 128s.
TEXT ·tilesMaddubs(SB), NOSPLIT, ARGS
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
	VMOVDQU maddubsK<>+64(SB), Y14
	VMOVDQU maddubsK<>+96(SB), Y15

quad:
	LEAQ (R8)(BX*1), R9
	LEAQ (R8)(BX*2), R10
	LEAQ (R9)(BX*2), R11
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ SI, AX
	XORQ DX, DX
	CMPQ R12, $0
	JEQ tail

block:
	VMOVDQU (AX), Y8
	VMOVDQU 32(AX), Y9
	PIXEL(R8, Y0, Y4)
	PIXEL(R9, Y1, Y5)
	PIXEL(R10, Y2, Y6)
	PIXEL(R11, Y3, Y7)
	ADDQ $64, AX
	ADDQ $16, DX
	CMPQ DX, R12
	JLT block

tail:
	CMPQ R13, $0
	JLT done
	MOVQ shuf+32(FP), DX
	VMOVDQU (AX), Y8
	VMOVDQU 32(AX), Y9
	TAILPIXEL(R8, Y0, Y4)
	TAILPIXEL(R9, Y1, Y5)
	TAILPIXEL(R10, Y2, Y6)
	TAILPIXEL(R11, Y3, Y7)

done:
	REDUCE(Y0, Y1, Y2, Y3, X0, (DI), (DI)(R14*1))
	LEAQ (DI)(R14*2), DX
	REDUCE(Y4, Y5, Y6, Y7, X4, (DX), (DX)(R14*1))
	ADDQ $16, DI
	LEAQ (R8)(BX*4), R8
	DECQ CX
	JNZ quad
	VZEROUPPER
	RET
