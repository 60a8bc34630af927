//go:build !noasm

#include "textflag.h"

// The outer-product VNNI kernel: a 16x16 tile of c, one ZMM accumulator per
// pixel holding its 16 channels. Per 4 values of depth: one load of the
// panel's 16x4 weights, and per pixel a broadcast of its 4 activations and
// one VPDPBUSD (u8 activations x s8 weights, summed in fours into int32
// without saturation; Intel SDM vol. 2C). The pixels' rows are read in place;
// only the 16x16 transpose at the end turns pixel vectors into rows of c.
// Weights: panels of 16 rows in blocks of 4 (kernels_amd64.go).

// Row p of the current pixel group, at depth offset held in AX (rows 0-7)
// or DX (rows 8-15): BX = ldb, R13 = 3*ldb, R14 = 5*ldb, R12 = 7*ldb.
#define DOT(addr, tmp, acc) \
	VPBROADCASTD addr, tmp \
	VPDPBUSD Z16, tmp, acc

#define STEP \
	VMOVDQU32 (SI), Z16 \
	DOT((AX), Z17, Z0) \
	DOT((AX)(BX*1), Z18, Z1) \
	DOT((AX)(BX*2), Z19, Z2) \
	DOT((AX)(R13*1), Z20, Z3) \
	DOT((AX)(BX*4), Z21, Z4) \
	DOT((AX)(R14*1), Z22, Z5) \
	DOT((AX)(R13*2), Z23, Z6) \
	DOT((AX)(R12*1), Z24, Z7) \
	DOT((DX), Z17, Z8) \
	DOT((DX)(BX*1), Z18, Z9) \
	DOT((DX)(BX*2), Z19, Z10) \
	DOT((DX)(R13*1), Z20, Z11) \
	DOT((DX)(BX*4), Z21, Z12) \
	DOT((DX)(R14*1), Z22, Z13) \
	DOT((DX)(R13*2), Z23, Z14) \
	DOT((DX)(R12*1), Z24, Z15)

// The last 1-3 values of depth: a masked load (K1 has rem bits) reads only
// those bytes (masked-off bytes are not accessed and do not fault, Intel SDM
// vol. 1, 15.4.1), then the broadcast.
#define TDOT(addr, tmp, acc) \
	VMOVDQU8.Z addr, K1, X17 \
	VPBROADCASTD X17, tmp \
	VPDPBUSD Z16, tmp, acc

#define TAILSTEP \
	VMOVDQU32 (SI), Z16 \
	TDOT((AX), Z18, Z0) \
	TDOT((AX)(BX*1), Z19, Z1) \
	TDOT((AX)(BX*2), Z20, Z2) \
	TDOT((AX)(R13*1), Z21, Z3) \
	TDOT((AX)(BX*4), Z22, Z4) \
	TDOT((AX)(R14*1), Z23, Z5) \
	TDOT((AX)(R13*2), Z24, Z6) \
	TDOT((AX)(R12*1), Z25, Z7) \
	TDOT((DX), Z18, Z8) \
	TDOT((DX)(BX*1), Z19, Z9) \
	TDOT((DX)(BX*2), Z20, Z10) \
	TDOT((DX)(R13*1), Z21, Z11) \
	TDOT((DX)(BX*4), Z22, Z12) \
	TDOT((DX)(R14*1), Z23, Z13) \
	TDOT((DX)(R13*2), Z24, Z14) \
	TDOT((DX)(R12*1), Z25, Z15)
// 16x16 transpose of 32-bit lanes: Z0-Z15 (pixel p, lane = channel) become
// Z0-Z15 (channel c, lane = pixel). Dword then qword interleaves leave
// B[4i+q] lane L = pixels 4i..4i+3 of channel 4L+q; two rounds of 128-bit
// lane shuffles gather channel 4L+q's four lanes L.
#define TRANSPOSE \
	VPUNPCKLDQ Z1, Z0, Z16 \
	VPUNPCKHDQ Z1, Z0, Z17 \
	VPUNPCKLDQ Z3, Z2, Z18 \
	VPUNPCKHDQ Z3, Z2, Z19 \
	VPUNPCKLDQ Z5, Z4, Z20 \
	VPUNPCKHDQ Z5, Z4, Z21 \
	VPUNPCKLDQ Z7, Z6, Z22 \
	VPUNPCKHDQ Z7, Z6, Z23 \
	VPUNPCKLDQ Z9, Z8, Z24 \
	VPUNPCKHDQ Z9, Z8, Z25 \
	VPUNPCKLDQ Z11, Z10, Z26 \
	VPUNPCKHDQ Z11, Z10, Z27 \
	VPUNPCKLDQ Z13, Z12, Z28 \
	VPUNPCKHDQ Z13, Z12, Z29 \
	VPUNPCKLDQ Z15, Z14, Z30 \
	VPUNPCKHDQ Z15, Z14, Z31 \
	VPUNPCKLQDQ Z18, Z16, Z0 \
	VPUNPCKHQDQ Z18, Z16, Z1 \
	VPUNPCKLQDQ Z19, Z17, Z2 \
	VPUNPCKHQDQ Z19, Z17, Z3 \
	VPUNPCKLQDQ Z22, Z20, Z4 \
	VPUNPCKHQDQ Z22, Z20, Z5 \
	VPUNPCKLQDQ Z23, Z21, Z6 \
	VPUNPCKHQDQ Z23, Z21, Z7 \
	VPUNPCKLQDQ Z26, Z24, Z8 \
	VPUNPCKHQDQ Z26, Z24, Z9 \
	VPUNPCKLQDQ Z27, Z25, Z10 \
	VPUNPCKHQDQ Z27, Z25, Z11 \
	VPUNPCKLQDQ Z30, Z28, Z12 \
	VPUNPCKHQDQ Z30, Z28, Z13 \
	VPUNPCKLQDQ Z31, Z29, Z14 \
	VPUNPCKHQDQ Z31, Z29, Z15 \
	VSHUFI32X4 $0x44, Z4, Z0, Z16 \
	VSHUFI32X4 $0xEE, Z4, Z0, Z17 \
	VSHUFI32X4 $0x44, Z12, Z8, Z18 \
	VSHUFI32X4 $0xEE, Z12, Z8, Z19 \
	VSHUFI32X4 $0x44, Z5, Z1, Z20 \
	VSHUFI32X4 $0xEE, Z5, Z1, Z21 \
	VSHUFI32X4 $0x44, Z13, Z9, Z22 \
	VSHUFI32X4 $0xEE, Z13, Z9, Z23 \
	VSHUFI32X4 $0x44, Z6, Z2, Z24 \
	VSHUFI32X4 $0xEE, Z6, Z2, Z25 \
	VSHUFI32X4 $0x44, Z14, Z10, Z26 \
	VSHUFI32X4 $0xEE, Z14, Z10, Z27 \
	VSHUFI32X4 $0x44, Z7, Z3, Z28 \
	VSHUFI32X4 $0xEE, Z7, Z3, Z29 \
	VSHUFI32X4 $0x44, Z15, Z11, Z30 \
	VSHUFI32X4 $0xEE, Z15, Z11, Z31 \
	VSHUFI32X4 $0x88, Z18, Z16, Z0 \
	VSHUFI32X4 $0xDD, Z18, Z16, Z4 \
	VSHUFI32X4 $0x88, Z19, Z17, Z8 \
	VSHUFI32X4 $0xDD, Z19, Z17, Z12 \
	VSHUFI32X4 $0x88, Z22, Z20, Z1 \
	VSHUFI32X4 $0xDD, Z22, Z20, Z5 \
	VSHUFI32X4 $0x88, Z23, Z21, Z9 \
	VSHUFI32X4 $0xDD, Z23, Z21, Z13 \
	VSHUFI32X4 $0x88, Z26, Z24, Z2 \
	VSHUFI32X4 $0xDD, Z26, Z24, Z6 \
	VSHUFI32X4 $0x88, Z27, Z25, Z10 \
	VSHUFI32X4 $0xDD, Z27, Z25, Z14 \
	VSHUFI32X4 $0x88, Z30, Z28, Z3 \
	VSHUFI32X4 $0xDD, Z30, Z28, Z7 \
	VSHUFI32X4 $0x88, Z31, Z29, Z11 \
	VSHUFI32X4 $0xDD, Z31, Z29, Z15

#define ZERO \
	VPXORD Z0, Z0, Z0 \
	VPXORD Z1, Z1, Z1 \
	VPXORD Z2, Z2, Z2 \
	VPXORD Z3, Z3, Z3 \
	VPXORD Z4, Z4, Z4 \
	VPXORD Z5, Z5, Z5 \
	VPXORD Z6, Z6, Z6 \
	VPXORD Z7, Z7, Z7 \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15

// func tilesVNNI(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int)
TEXT ·tilesVNNI(SB), NOSPLIT, $0-80
	MOVQ rem+24(FP), CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVD DX, K1 // the rem bytes of the last partial group of 4
	MOVQ b+40(FP), R8
	MOVQ ldb+48(FP), BX
	LEAQ (BX)(BX*2), R13
	LEAQ (BX)(BX*4), R14
	LEAQ (R13)(BX*4), R12
	MOVQ groups+56(FP), R9
	MOVQ c+64(FP), DI
	MOVQ ldc+72(FP), R10
	SHLQ $2, R10

group:
	ZERO
	MOVQ a+0(FP), SI
	MOVQ R8, AX
	LEAQ (R8)(BX*8), DX
	MOVQ blocks+16(FP), CX
	TESTQ CX, CX
	JEQ tail

step:
	STEP
	ADDQ $64, SI
	ADDQ $4, AX
	ADDQ $4, DX
	DECQ CX
	JNZ step

tail:
	CMPQ rem+24(FP), $0
	JEQ store
	TAILSTEP

store:
	TRANSPOSE
	MOVQ DI, R11
	VMOVDQU32 Z0, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z1, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z2, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z3, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z4, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z5, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z6, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z7, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z8, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z9, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z10, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z11, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z12, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z13, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z14, (R11)
	ADDQ R10, R11
	VMOVDQU32 Z15, (R11)
	ADDQ R10, R11
	ADDQ $64, DI
	LEAQ (R8)(BX*8), R8
	LEAQ (R8)(BX*8), R8
	DECQ R9
	JNZ group
	VZEROUPPER
	RET

// The fused epilogue of tilesVNNIRq: accumulator acc (one pixel, lane =
// channel, started at the bias) requantized as TFLite's
// MultiplyByQuantizedMultiplier and stored as 16 bytes (masked by K4) at
// R11, then R11 += ldd. CX points at the panel's constants (requant.go,
// rqBias... at 64 bytes each); Z29 = 1, Z30 = 2^30 per qword; K2 = 0xAAAA
// (odd lanes).
//   - The saturating left shift (LEFT, only when some channel has one):
//     clamp to [MinInt32>>left, MaxInt32>>left], then shift. It differs
//     from saturation only when the sum saturates, and then both results
//     clamp to the same byte (multipliers are 0 or at least 2^30 and left
//     <= 30, so a positive saturated sum gives at least 2^29 before the
//     zero point).
//   - SaturatingRoundingDoublingHighMul with a non-negative multiplier:
//     (x*mult + 2^30) >> 31, which fits in int32, in 64-bit lanes: VPMULDQ
//     on the even channels and on the odd ones shifted down; the result's
//     bits 31..62 are moved into the dword of its channel.
//   - RoundingDivideByPOT as gemmlowp: (v >> right) + 1 when
//     v & mask > (mask >> 1) + (v < 0), tested as remainder + (v >> 31) > thr.
//   - The clamp to [lo, 255] after adding the zero point is done before
//     adding it, to [lo-zero, 255-zero], where the sum cannot overflow.
#define LEFT(acc) \
	VPMINSD 192(CX), acc, acc \
	VPMAXSD 256(CX), acc, acc \
	VPSLLVD 320(CX), acc, acc

#define RQ(acc) \
	VPSRLQ $32, acc, Z27 \
	VPMULDQ 64(CX), acc, Z26 \
	VPMULDQ 128(CX), Z27, Z27 \
	VPADDQ Z30, Z26, Z26 \
	VPADDQ Z30, Z27, Z27 \
	VPSRLQ $31, Z26, Z26 \
	VPSLLQ $1, Z27, Z27 \
	VMOVDQA32 Z27, K2, Z26 \
	VPANDD 448(CX), Z26, Z27 \
	VPSRAD $31, Z26, Z28 \
	VPADDD Z28, Z27, Z27 \
	VPCMPGTD 512(CX), Z27, K3 \
	VPSRAVD 384(CX), Z26, Z26 \
	VPADDD Z29, Z26, K3, Z26 \
	VPMAXSD 640(CX), Z26, Z26 \
	VPMINSD 704(CX), Z26, Z26 \
	VPADDD 576(CX), Z26, Z26 \
	VPMOVDB Z26, K4, (R11) \
	ADDQ R10, R11

#define BIAS \
	VMOVDQA32 Z31, Z0 \
	VMOVDQA32 Z31, Z1 \
	VMOVDQA32 Z31, Z2 \
	VMOVDQA32 Z31, Z3 \
	VMOVDQA32 Z31, Z4 \
	VMOVDQA32 Z31, Z5 \
	VMOVDQA32 Z31, Z6 \
	VMOVDQA32 Z31, Z7 \
	VMOVDQA32 Z31, Z8 \
	VMOVDQA32 Z31, Z9 \
	VMOVDQA32 Z31, Z10 \
	VMOVDQA32 Z31, Z11 \
	VMOVDQA32 Z31, Z12 \
	VMOVDQA32 Z31, Z13 \
	VMOVDQA32 Z31, Z14 \
	VMOVDQA32 Z31, Z15

// func tilesVNNIRq(a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool)
// The tiles of tilesVNNI, requantized into bytes instead of transposed:
// pixel p of a group writes its panel's channels at dst + p*ldd, pixels
// following each other across groups. A pixel's depth is segs segments of
// blocks*4 bytes, segStride apart (then rem bytes after the last): the
// three rows of a 3x3 patch read in place. Pixels 0-7 of a group start at
// b + p*ldb, pixels 8-15 at b + half + (p-8)*ldb, and the next group at
// b + gstep: half = 8*ldb, gstep = 16*ldb for a run of pixels; half = one
// image row for a group that is two output rows of 8 pixels. The outputs
// follow the same pattern: pixel 8 is written dhalf bytes after pixel 0,
// the next group dstep bytes after this one (8*ldd and 16*ldd when the
// pixels are contiguous; one padded output row and two for two rows).
TEXT ·tilesVNNIRq(SB), NOSPLIT, $8-129
	MOVQ rem+16(FP), CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVD DX, K1 // the rem bytes of the last partial group of 4
	MOVL $0xAAAA, DX
	KMOVW DX, K2
	MOVL mask+72(FP), DX
	KMOVW DX, K4
	MOVL $1, DX
	VPBROADCASTD DX, Z29
	MOVQ $0x40000000, DX
	VPBROADCASTQ DX, Z30
	MOVQ rq+48(FP), DX
	VMOVDQU32 (DX), Z31 // the bias, where the sums start
	MOVQ b+24(FP), R8
	MOVQ ldb+32(FP), BX
	LEAQ (BX)(BX*2), R13
	LEAQ (BX)(BX*4), R14
	LEAQ (R13)(BX*4), R12
	MOVQ groups+40(FP), R9
	MOVQ dst+56(FP), DI
	MOVQ ldd+64(FP), R10

rqgroup:
	BIAS
	MOVQ a+0(FP), SI
	MOVQ R8, R11
	MOVQ segs+80(FP), CX
	MOVQ CX, left-8(SP)

rqseg:
	MOVQ R11, AX
	MOVQ half+96(FP), DX
	ADDQ R11, DX
	MOVQ blocks+8(FP), CX
	TESTQ CX, CX
	JEQ rqsegend

rqstep:
	STEP
	ADDQ $64, SI
	ADDQ $4, AX
	ADDQ $4, DX
	DECQ CX
	JNZ rqstep

rqsegend:
	ADDQ segStride+88(FP), R11
	DECQ left-8(SP)
	JNZ rqseg

rqtail:
	CMPQ rem+16(FP), $0
	JEQ rqstore
	TAILSTEP

rqstore:
	MOVQ rq+48(FP), CX
	MOVQ DI, R11
	CMPB left+128(FP), $0
	JEQ rqnoleft
	LEFT(Z0)
	LEFT(Z1)
	LEFT(Z2)
	LEFT(Z3)
	LEFT(Z4)
	LEFT(Z5)
	LEFT(Z6)
	LEFT(Z7)
	LEFT(Z8)
	LEFT(Z9)
	LEFT(Z10)
	LEFT(Z11)
	LEFT(Z12)
	LEFT(Z13)
	LEFT(Z14)
	LEFT(Z15)

rqnoleft:
	RQ(Z0)
	RQ(Z1)
	RQ(Z2)
	RQ(Z3)
	RQ(Z4)
	RQ(Z5)
	RQ(Z6)
	RQ(Z7)
	MOVQ DI, R11
	ADDQ dhalf+112(FP), R11
	RQ(Z8)
	RQ(Z9)
	RQ(Z10)
	RQ(Z11)
	RQ(Z12)
	RQ(Z13)
	RQ(Z14)
	RQ(Z15)
	ADDQ dstep+120(FP), DI
	ADDQ gstep+104(FP), R8
	DECQ R9
	JNZ rqgroup
	VZEROUPPER
	RET

// Two panels at once (tilesVNNIRq2): 8 pixels against 32 channels, the
// accumulators Z0-Z7 holding panel A's 16 channels of pixels 0-7 and
// Z8-Z15 panel B's. Per 4 values of depth: two weight loads and 8
// broadcasts feed 16 VPDPBUSD, where the 16x16 tile needs 17 loads. The
// 16x16 loop waits on those loads: on an AVX-512 Zen 5 (2 VPDPBUSD per
// cycle) it takes as long with its VPDPBUSD removed as with them.
#define DOT2(addr, tmp, acc, accB) \
	VPBROADCASTD addr, tmp \
	VPDPBUSD Z16, tmp, acc \
	VPDPBUSD Z17, tmp, accB

// PRQ2 requantizes the saved sum at R15 with the constants at R10 (panel
// A's or B's) into bytes at DI, as PRQE with memory operands: the loop's
// loads leave room for them every 4 steps. At the 8th vector the outputs
// and constants switch to panel B's (pdh, pcb).
#define PRQ2 \
	VMOVDQU32 (R15), Z19 \
	VPSRLQ $32, Z19, Z21 \
	VPMULDQ 64(R10), Z19, Z20 \
	VPMULDQ 128(R10), Z21, Z21 \
	VPADDQ Z23, Z20, Z20 \
	VPADDQ Z23, Z21, Z21 \
	VPSRLQ $31, Z20, Z20 \
	VPSLLQ $1, Z21, Z21 \
	VMOVDQA32 Z21, K2, Z20 \
	VPANDD 448(R10), Z20, Z21 \
	VPSRAD $31, Z20, Z19 \
	VPADDD Z19, Z21, Z21 \
	VPCMPGTD 512(R10), Z21, K3 \
	VPSRAVD 384(R10), Z20, Z20 \
	VPADDD Z27, Z20, K3, Z20 \
	VPMAXSD 640(R10), Z20, Z20 \
	VPMINSD 704(R10), Z20, Z20 \
	VPADDD 576(R10), Z20, Z20 \
	VPMOVDB Z20, K4, (DI) \
	ADDQ $64, R15 \
	ADDQ ldd+64(FP), DI \
	DECQ R11 \
	CMPQ R11, $8 \
	CMOVQEQ pdh-1040(SP), DI \
	CMOVQEQ pcb-1048(SP), R10

#define STEP2P \
	VMOVDQU32 (SI), Z16 \
	VMOVDQU32 (SI)(DX*1), Z17 \
	DOT2((AX), Z18, Z0, Z8) \
	DOT2((AX)(BX*1), Z18, Z1, Z9) \
	DOT2((AX)(BX*2), Z18, Z2, Z10) \
	DOT2((AX)(R13*1), Z18, Z3, Z11) \
	DOT2((AX)(BX*4), Z18, Z4, Z12) \
	DOT2((AX)(R14*1), Z18, Z5, Z13) \
	DOT2((AX)(R13*2), Z18, Z6, Z14) \
	DOT2((AX)(R12*1), Z18, Z7, Z15) \
	ADDQ $64, SI \
	ADDQ $4, AX

// func tilesVNNIRq2(a *byte, pstride, blocks int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd, segs, segStride, half, gstep, dhalf, dstep int, left bool)
// tilesVNNIRq for two whole panels: panel A's weights at a, panel B's
// pstride bytes on, their requantization constants at rq and rq+768 (one
// panel's rqVecs vectors), their outputs at dst and dst+16. Each group of
// 16 pixels is done as its two halves of 8, one after the other, both
// against both panels. Depth: segs runs of blocks*4 bytes (no remainder).
// Software-pipelined like tilesVNNIRqP: a half's 16 sums are saved and
// requantized one every 4 steps of the next half's loop. Locals: buf the
// saved sums, pdh and pcb panel B's first output and constants, hin, hdst,
// hnum the current half's input, output and number, cnt the runs left.
TEXT ·tilesVNNIRq2(SB), $1088-121
	MOVL $0xAAAA, DX
	KMOVW DX, K2
	MOVL $0xFFFF, DX
	KMOVW DX, K4
	MOVL $1, DX
	VPBROADCASTD DX, Z27
	MOVQ $0x40000000, DX
	VPBROADCASTQ DX, Z23
	MOVQ rq+48(FP), DX
	VMOVDQU32 (DX), Z31 // panel A's bias
	VMOVDQU32 768(DX), Z25 // panel B's
	MOVQ b+24(FP), R8
	MOVQ ldb+32(FP), BX
	LEAQ (BX)(BX*2), R13
	LEAQ (BX)(BX*4), R14
	LEAQ (R13)(BX*4), R12
	MOVQ groups+40(FP), R9
	MOVQ dst+56(FP), DI
	MOVQ DI, gdst-1080(SP)
	MOVQ pstride+8(FP), DX
	XORQ R11, R11

rq2group:
	MOVQ R8, hin-1056(SP)
	MOVQ gdst-1080(SP), AX
	MOVQ AX, hdst-1064(SP)
	MOVQ $0, hnum-1072(SP)

rq2half:
	VMOVDQA32 Z31, Z0
	VMOVDQA32 Z31, Z1
	VMOVDQA32 Z31, Z2
	VMOVDQA32 Z31, Z3
	VMOVDQA32 Z31, Z4
	VMOVDQA32 Z31, Z5
	VMOVDQA32 Z31, Z6
	VMOVDQA32 Z31, Z7
	VMOVDQA32 Z25, Z8
	VMOVDQA32 Z25, Z9
	VMOVDQA32 Z25, Z10
	VMOVDQA32 Z25, Z11
	VMOVDQA32 Z25, Z12
	VMOVDQA32 Z25, Z13
	VMOVDQA32 Z25, Z14
	VMOVDQA32 Z25, Z15
	MOVQ a+0(FP), SI
	MOVQ hin-1056(SP), AX
	MOVQ AX, sbase-1032(SP)
	MOVQ segs+72(FP), CX
	MOVQ CX, cnt-1088(SP)

rq2seg:
	MOVQ sbase-1032(SP), AX
	MOVQ blocks+16(FP), CX
	TESTQ $3, CX
	JEQ rq2quads

rq2one:
	STEP2P
	DECQ CX
	TESTQ $3, CX
	JNE rq2one

rq2quads:
	TESTQ CX, CX
	JEQ rq2segend

rq2step:
	STEP2P
	STEP2P
	STEP2P
	STEP2P
	TESTQ R11, R11
	JEQ rq2noepi
	PRQ2

rq2noepi:
	SUBQ $4, CX
	JNZ rq2step

rq2segend:
	MOVQ segStride+80(FP), AX
	ADDQ AX, sbase-1032(SP)
	DECQ cnt-1088(SP)
	JNZ rq2seg

rq2flush:
	TESTQ R11, R11
	JEQ rq2save
	PRQ2
	JMP rq2flush

rq2save:
	MOVQ rq+48(FP), CX
	CMPB left+120(FP), $0
	JEQ rq2noleft
	LEFT(Z0)
	LEFT(Z1)
	LEFT(Z2)
	LEFT(Z3)
	LEFT(Z4)
	LEFT(Z5)
	LEFT(Z6)
	LEFT(Z7)
	ADDQ $768, CX
	LEFT(Z8)
	LEFT(Z9)
	LEFT(Z10)
	LEFT(Z11)
	LEFT(Z12)
	LEFT(Z13)
	LEFT(Z14)
	LEFT(Z15)
	MOVQ rq+48(FP), CX

rq2noleft:
	VMOVDQU32 Z0, buf-1024(SP)
	VMOVDQU32 Z1, buf-960(SP)
	VMOVDQU32 Z2, buf-896(SP)
	VMOVDQU32 Z3, buf-832(SP)
	VMOVDQU32 Z4, buf-768(SP)
	VMOVDQU32 Z5, buf-704(SP)
	VMOVDQU32 Z6, buf-640(SP)
	VMOVDQU32 Z7, buf-576(SP)
	VMOVDQU32 Z8, buf-512(SP)
	VMOVDQU32 Z9, buf-448(SP)
	VMOVDQU32 Z10, buf-384(SP)
	VMOVDQU32 Z11, buf-320(SP)
	VMOVDQU32 Z12, buf-256(SP)
	VMOVDQU32 Z13, buf-192(SP)
	VMOVDQU32 Z14, buf-128(SP)
	VMOVDQU32 Z15, buf-64(SP)
	LEAQ buf-1024(SP), R15
	MOVQ CX, R10
	ADDQ $768, CX
	MOVQ CX, pcb-1048(SP)
	MOVQ hdst-1064(SP), DI
	MOVQ DI, AX
	ADDQ $16, AX
	MOVQ AX, pdh-1040(SP)
	MOVQ $16, R11
	CMPQ hnum-1072(SP), $0
	JNE rq2next
	MOVQ $1, hnum-1072(SP)
	MOVQ half+88(FP), AX
	ADDQ AX, hin-1056(SP)
	MOVQ dhalf+104(FP), AX
	ADDQ AX, hdst-1064(SP)
	JMP rq2half

rq2next:
	MOVQ dstep+112(FP), AX
	ADDQ AX, gdst-1080(SP)
	ADDQ gstep+96(FP), R8
	DECQ R9
	JNZ rq2group

rq2final:
	TESTQ R11, R11
	JEQ rq2done
	PRQ2
	JMP rq2final

rq2done:
	VZEROUPPER
	RET

// The one-panel kernel software-pipelined (tilesVNNIRqP). The requantization
// epilogue of a 16x16 tile is about 17 vector instructions per pixel; run
// after the tile, it stalls the VPDPBUSD pipes for a quarter as long as
// the tile's loop in a 16-channel stage. Here a tile's 16 sums are saved to
// the stack and requantized one pixel every two steps of the next tile's
// loop, where adds, shifts and logic have idle pipes (only its two
// VPMULDQ compete with VPDPBUSD); pixels the loop leaves, and the last
// tile's, are done after it. The broadcasts all use Z17 (each writes a
// whole register, so renaming leaves no false dependency), which frees
// registers for every constant of the epilogue: no loads but the saved
// sum.
//
// Registers: R15 the next saved sum, DI its output, R11 the saved tile's
// pixels still to do, R10 ldd; Z18-Z20 temporaries; Z21 the multipliers
// (even channels), Z22 the odd channels' in even lanes, Z23 2^30 per
// qword, Z24 mask, Z25 threshold, Z26 right shift, Z27 one, Z28 and Z29
// the clamp before the zero point, Z30 the zero point, Z31 the bias
// (requant.go's rq... vectors).
#define PRQE \
	VMOVDQU32 (R15), Z18 \
	VPSRLQ $32, Z18, Z20 \
	VPMULDQ Z21, Z18, Z19 \
	VPMULDQ Z22, Z20, Z20 \
	VPADDQ Z23, Z19, Z19 \
	VPADDQ Z23, Z20, Z20 \
	VPSRLQ $31, Z19, Z19 \
	VPSLLQ $1, Z20, Z20 \
	VMOVDQA32 Z20, K2, Z19 \
	VPANDD Z24, Z19, Z20 \
	VPSRAD $31, Z19, Z18 \
	VPADDD Z18, Z20, Z20 \
	VPCMPGTD Z25, Z20, K3 \
	VPSRAVD Z26, Z19, Z19 \
	VPADDD Z27, Z19, K3, Z19 \
	VPMAXSD Z28, Z19, Z19 \
	VPMINSD Z29, Z19, Z19 \
	VPADDD Z30, Z19, Z19 \
	VPMOVDB Z19, K4, (DI) \
	ADDQ $64, R15 \
	ADDQ R10, DI \
	DECQ R11 \
	CMPQ R11, $8 \
	CMOVQEQ pdh-1040(SP), DI

#define PDOT(addr, acc) \
	VPBROADCASTD addr, Z17 \
	VPDPBUSD Z16, Z17, acc

#define PSTEP \
	VMOVDQU32 (SI), Z16 \
	PDOT((AX), Z0) \
	PDOT((AX)(BX*1), Z1) \
	PDOT((AX)(BX*2), Z2) \
	PDOT((AX)(R13*1), Z3) \
	PDOT((AX)(BX*4), Z4) \
	PDOT((AX)(R14*1), Z5) \
	PDOT((AX)(R13*2), Z6) \
	PDOT((AX)(R12*1), Z7) \
	PDOT((DX), Z8) \
	PDOT((DX)(BX*1), Z9) \
	PDOT((DX)(BX*2), Z10) \
	PDOT((DX)(R13*1), Z11) \
	PDOT((DX)(BX*4), Z12) \
	PDOT((DX)(R14*1), Z13) \
	PDOT((DX)(R13*2), Z14) \
	PDOT((DX)(R12*1), Z15) \
	ADDQ $64, SI \
	ADDQ $4, AX \
	ADDQ $4, DX

// func tilesVNNIRqP(a *byte, blocks int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool)
// tilesVNNIRq pipelined, for runs of whole blocks (no remainder). Locals:
// buf the saved tile's sums, pdh the address of its pixel 8's output,
// gdst and gin the current group's output and input, sbase the current
// run, cnt the runs left.
TEXT ·tilesVNNIRqP(SB), $1064-121
	MOVL $0xAAAA, DX
	KMOVW DX, K2
	MOVL mask+64(FP), DX
	KMOVW DX, K4
	MOVQ rq+40(FP), R10
	VMOVDQU32 0(R10), Z31
	VMOVDQU32 64(R10), Z21
	VMOVDQU32 128(R10), Z22
	VMOVDQU32 448(R10), Z24
	VMOVDQU32 512(R10), Z25
	VMOVDQU32 384(R10), Z26
	VMOVDQU32 640(R10), Z28
	VMOVDQU32 704(R10), Z29
	VMOVDQU32 576(R10), Z30
	MOVQ $0x40000000, DX
	VPBROADCASTQ DX, Z23
	MOVL $1, DX
	VPBROADCASTD DX, Z27
	MOVQ b+16(FP), R8
	MOVQ dst+48(FP), AX
	MOVQ AX, gdst-1048(SP)
	MOVQ groups+32(FP), R9
	MOVQ ldb+24(FP), BX
	LEAQ (BX)(BX*2), R13
	LEAQ (BX)(BX*4), R14
	LEAQ (R13)(BX*4), R12
	MOVQ ldd+56(FP), R10
	XORQ R11, R11

ppgroup:
	VMOVDQA32 Z31, Z0
	VMOVDQA32 Z31, Z1
	VMOVDQA32 Z31, Z2
	VMOVDQA32 Z31, Z3
	VMOVDQA32 Z31, Z4
	VMOVDQA32 Z31, Z5
	VMOVDQA32 Z31, Z6
	VMOVDQA32 Z31, Z7
	VMOVDQA32 Z31, Z8
	VMOVDQA32 Z31, Z9
	VMOVDQA32 Z31, Z10
	VMOVDQA32 Z31, Z11
	VMOVDQA32 Z31, Z12
	VMOVDQA32 Z31, Z13
	VMOVDQA32 Z31, Z14
	VMOVDQA32 Z31, Z15
	MOVQ a+0(FP), SI
	MOVQ R8, sbase-1056(SP)
	MOVQ segs+72(FP), CX
	MOVQ CX, cnt-1064(SP)

ppseg:
	MOVQ sbase-1056(SP), AX
	MOVQ half+88(FP), DX
	ADDQ AX, DX
	MOVQ blocks+8(FP), CX
	TESTQ $1, CX
	JEQ pppairs
	PSTEP
	DECQ CX

pppairs:
	TESTQ CX, CX
	JEQ ppsegend

ppstep:
	PSTEP
	PSTEP
	TESTQ R11, R11
	JEQ ppnoepi
	PRQE

ppnoepi:
	SUBQ $2, CX
	JNZ ppstep

ppsegend:
	MOVQ segStride+80(FP), AX
	ADDQ AX, sbase-1056(SP)
	DECQ cnt-1064(SP)
	JNZ ppseg

// The tile's sums are complete: first the previous tile's pixels the loop
// left, then this tile is saved for the next one's loop.
ppflush:
	TESTQ R11, R11
	JEQ ppsave
	PRQE
	JMP ppflush

ppsave:
	CMPB left+120(FP), $0
	JEQ ppnoleft
	MOVQ rq+40(FP), CX
	LEFT(Z0)
	LEFT(Z1)
	LEFT(Z2)
	LEFT(Z3)
	LEFT(Z4)
	LEFT(Z5)
	LEFT(Z6)
	LEFT(Z7)
	LEFT(Z8)
	LEFT(Z9)
	LEFT(Z10)
	LEFT(Z11)
	LEFT(Z12)
	LEFT(Z13)
	LEFT(Z14)
	LEFT(Z15)

ppnoleft:
	VMOVDQU32 Z0, buf-1024(SP)
	VMOVDQU32 Z1, buf-960(SP)
	VMOVDQU32 Z2, buf-896(SP)
	VMOVDQU32 Z3, buf-832(SP)
	VMOVDQU32 Z4, buf-768(SP)
	VMOVDQU32 Z5, buf-704(SP)
	VMOVDQU32 Z6, buf-640(SP)
	VMOVDQU32 Z7, buf-576(SP)
	VMOVDQU32 Z8, buf-512(SP)
	VMOVDQU32 Z9, buf-448(SP)
	VMOVDQU32 Z10, buf-384(SP)
	VMOVDQU32 Z11, buf-320(SP)
	VMOVDQU32 Z12, buf-256(SP)
	VMOVDQU32 Z13, buf-192(SP)
	VMOVDQU32 Z14, buf-128(SP)
	VMOVDQU32 Z15, buf-64(SP)
	LEAQ buf-1024(SP), R15
	MOVQ gdst-1048(SP), DI
	MOVQ DI, AX
	ADDQ dhalf+104(FP), AX
	MOVQ AX, pdh-1040(SP)
	MOVQ $16, R11
	MOVQ dstep+112(FP), AX
	ADDQ AX, gdst-1048(SP)
	ADDQ gstep+96(FP), R8
	DECQ R9
	JNZ ppgroup

ppfinal:
	TESTQ R11, R11
	JEQ ppdone
	PRQE
	JMP ppfinal

ppdone:
	VZEROUPPER
	RET
