//go:build !noasm

#include "textflag.h"

// Argument frame shared by every tiles kernel (see kernels_amd64.go).
#define ARGS $0-80

// 16 VPDPBUSD: Yr+4p... accumulator Y(4r+p) += dot4(u8 pixel p, s8 row r).
// Go operand order is reversed from Intel's: VPDPBUSD s8src, u8src, acc.
// VPDPBUSD (not VPDPBUSDS) wraps instead of saturating; no sum here comes
// near 2^31 (255*127*depth for depth < 66000). Source: Intel SDM vol. 2C,
// VPDPBUSD.
#define DOTS \
	VPDPBUSD Y16, Y20, Y0 \
	VPDPBUSD Y16, Y21, Y1 \
	VPDPBUSD Y16, Y22, Y2 \
	VPDPBUSD Y16, Y23, Y3 \
	VPDPBUSD Y17, Y20, Y4 \
	VPDPBUSD Y17, Y21, Y5 \
	VPDPBUSD Y17, Y22, Y6 \
	VPDPBUSD Y17, Y23, Y7 \
	VPDPBUSD Y18, Y20, Y8 \
	VPDPBUSD Y18, Y21, Y9 \
	VPDPBUSD Y18, Y22, Y10 \
	VPDPBUSD Y18, Y23, Y11 \
	VPDPBUSD Y19, Y20, Y12 \
	VPDPBUSD Y19, Y21, Y13 \
	VPDPBUSD Y19, Y22, Y14 \
	VPDPBUSD Y19, Y23, Y15

// Reduce row r's four accumulators (8 lanes each) to one vector of its four
// pixel sums and store it at dst.
#define REDUCE(a0, a1, a2, a3, x0, x1, dst) \
	VPHADDD a1, a0, a0 \
	VPHADDD a3, a2, a2 \
	VPHADDD a2, a0, a0 \
	VEXTRACTI128 $1, a0, x1 \
	VPADDD x1, x0, x0 \
	VMOVDQU x0, dst

// func tilesVNNI(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)
//
// Weight rows in Y16-Y19 and pixels in Y20-Y23 (registers only EVEX can
// name, so VPDPBUSD is EVEX-encoded as it must be), the 16 sums in Y0-Y15 so
// the reduction can use VEX-only VPHADDD.
TEXT ·tilesVNNI(SB), NOSPLIT, ARGS
	MOVQ a+0(FP), SI
	MOVQ blocks+16(FP), R12
	SHLQ $5, R12 // bytes of whole blocks per pixel
	MOVQ rem+24(FP), CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVD DX, K1 // the rem bytes of the last partial block
	MOVQ rem+24(FP), R13
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
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
	VPXOR Y15, Y15, Y15
	MOVQ SI, AX
	XORQ DX, DX
	CMPQ R12, $0
	JEQ tail

block:
	VMOVDQU64 (AX), Y16
	VMOVDQU64 32(AX), Y17
	VMOVDQU64 64(AX), Y18
	VMOVDQU64 96(AX), Y19
	VMOVDQU64 (R8)(DX*1), Y20
	VMOVDQU64 (R9)(DX*1), Y21
	VMOVDQU64 (R10)(DX*1), Y22
	VMOVDQU64 (R11)(DX*1), Y23
	DOTS
	ADDQ $128, AX
	ADDQ $32, DX
	CMPQ DX, R12
	JLT block

tail:
	TESTQ R13, R13
	JEQ reduce
	// Masked-off bytes are neither read nor faulted on (Intel SDM vol. 1,
	// 15.4.1 "Memory fault suppression"); the padded weights are zero there.
	VMOVDQU64 (AX), Y16
	VMOVDQU64 32(AX), Y17
	VMOVDQU64 64(AX), Y18
	VMOVDQU64 96(AX), Y19
	VMOVDQU8.Z (R8)(DX*1), K1, Y20
	VMOVDQU8.Z (R9)(DX*1), K1, Y21
	VMOVDQU8.Z (R10)(DX*1), K1, Y22
	VMOVDQU8.Z (R11)(DX*1), K1, Y23
	DOTS

reduce:
	REDUCE(Y0, Y1, Y2, Y3, X0, X1, (DI))
	REDUCE(Y4, Y5, Y6, Y7, X4, X5, (DI)(R14*1))
	LEAQ (DI)(R14*2), DX
	REDUCE(Y8, Y9, Y10, Y11, X8, X9, (DX))
	REDUCE(Y12, Y13, Y14, Y15, X12, X13, (DX)(R14*1))
	ADDQ $16, DI
	LEAQ (R8)(BX*4), R8
	DECQ CX
	JNZ quad
	VZEROUPPER
	RET
