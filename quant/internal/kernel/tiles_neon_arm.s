//go:build arm.7 && !noasm

#include "textflag.h"

// The armv7 kernel (Cortex-A7, A53 and A72 in 32-bit mode: the Pi 2, 3 and
// Zero 2 on a 32-bit OS), tiles_neon_arm64.s with half the vector
// registers: 4x2 tiles (4 weight rows against 2 pixels), 16 values of depth
// per step. VMULL.S8 and VMLAL.S8 multiply 8 int8 pairs each into 16-bit
// lanes, VPADAL.S16 adds adjacent 16-bit lanes into the 32-bit sums. Each
// 16-bit lane holds two products (x-128)*w with |x-128| <= 128 and
// |w| <= 127, so at most 32512 < 32767: exact.
//
// Go's ARM assembler has no NEON mnemonics, so every NEON instruction is a
// WORD with the instruction in a comment, encoded from the ARM Architecture
// Reference Manual ARMv7-A and ARMv7-R edition (DDI 0406C), section A8.8
// "Alphabetical list of instructions": VMULL (integer and polynomial),
// VMLAL (integer), VPADAL, VPADD (integer), VADD (integer), VEOR, VMOV
// (immediate), VTBL, VLD1 (multiple single elements; single element to all
// lanes) and VST1 (multiple single elements), Advanced SIMD encodings; cross-checked with
// llvm-mc -triple=armv7a -mattr=+neon -show-encoding.
//
// Registers: row r's 16 weights in Q(r) = D(2r), D(2r+1); pixel 0 in Q4 =
// D8, D9 and pixel 1 in Q5 = D10, D11; products in Q6 and Q7; the sums of
// row r and pixel p in Q(8+2r+p). R7 walks the panel, R8 and R9 the two
// pixels, R12 counts blocks. Go's ABI0 keeps no vector register across
// calls and the runtime never preempts an assembly function, so D0-D31
// are the kernel's (D16-D31 exist on every core with NEON).

// Pixel bytes x become x^0x80 = x-128 as int8.
#define FLIP \
	WORD $0xf380ce50 /* VMOV.I8 Q6, #0x80 */ \
	WORD $0xf308815c /* VEOR Q4, Q4, Q6 */ \
	WORD $0xf30aa15c /* VEOR Q5, Q5, Q6 */

// Each row against both pixels, two product registers so that consecutive
// multiplies do not wait on each other.
#define MACS \
	WORD $0xf280cc08 /* VMULL.S8 Q6, D0, D8 */ \
	WORD $0xf280ec0a /* VMULL.S8 Q7, D0, D10 */ \
	WORD $0xf281c809 /* VMLAL.S8 Q6, D1, D9 */ \
	WORD $0xf281e80b /* VMLAL.S8 Q7, D1, D11 */ \
	WORD $0xf3f4064c /* VPADAL.S16 Q8, Q6 */ \
	WORD $0xf3f4264e /* VPADAL.S16 Q9, Q7 */ \
	WORD $0xf282cc08 /* VMULL.S8 Q6, D2, D8 */ \
	WORD $0xf282ec0a /* VMULL.S8 Q7, D2, D10 */ \
	WORD $0xf283c809 /* VMLAL.S8 Q6, D3, D9 */ \
	WORD $0xf283e80b /* VMLAL.S8 Q7, D3, D11 */ \
	WORD $0xf3f4464c /* VPADAL.S16 Q10, Q6 */ \
	WORD $0xf3f4664e /* VPADAL.S16 Q11, Q7 */ \
	WORD $0xf284cc08 /* VMULL.S8 Q6, D4, D8 */ \
	WORD $0xf284ec0a /* VMULL.S8 Q7, D4, D10 */ \
	WORD $0xf285c809 /* VMLAL.S8 Q6, D5, D9 */ \
	WORD $0xf285e80b /* VMLAL.S8 Q7, D5, D11 */ \
	WORD $0xf3f4864c /* VPADAL.S16 Q12, Q6 */ \
	WORD $0xf3f4a64e /* VPADAL.S16 Q13, Q7 */ \
	WORD $0xf286cc08 /* VMULL.S8 Q6, D6, D8 */ \
	WORD $0xf286ec0a /* VMULL.S8 Q7, D6, D10 */ \
	WORD $0xf287c809 /* VMLAL.S8 Q6, D7, D9 */ \
	WORD $0xf287e80b /* VMLAL.S8 Q7, D7, D11 */ \
	WORD $0xf3f4c64c /* VPADAL.S16 Q14, Q6 */ \
	WORD $0xf3f4e64e /* VPADAL.S16 Q15, Q7 */

// The next block of the panel: 4 rows of 16 weights.
#define WEIGHTS \
	WORD $0xf427020d /* VLD1.8 {D0, D1, D2, D3}, [R7]! */ \
	WORD $0xf427420d /* VLD1.8 {D4, D5, D6, D7}, [R7]! */

// func tilesNEON(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, pairs int, c *int32, ldc int)
TEXT ·tilesNEON(SB), NOSPLIT, $0-40
	MOVW a+0(FP), R0
	MOVW blocks+8(FP), R1
	MOVW b+20(FP), R2
	MOVW ldb+24(FP), R3
	MOVW pairs+28(FP), R4
	MOVW c+32(FP), R5
	MOVW ldc+36(FP), R6
	MOVW R6<<2, R6

pair:
	MOVW R2, R8
	ADD R3, R8, R9
	MOVW R0, R7
	MOVW R1, R12
	WORD $0xf2c00050 // VMOV.I32 Q8, #0
	WORD $0xf2c02050 // VMOV.I32 Q9, #0
	WORD $0xf2c04050 // VMOV.I32 Q10, #0
	WORD $0xf2c06050 // VMOV.I32 Q11, #0
	WORD $0xf2c08050 // VMOV.I32 Q12, #0
	WORD $0xf2c0a050 // VMOV.I32 Q13, #0
	WORD $0xf2c0c050 // VMOV.I32 Q14, #0
	WORD $0xf2c0e050 // VMOV.I32 Q15, #0
	CMP $0, R12
	BEQ tail

block:
	WEIGHTS
	WORD $0xf4288a0d // VLD1.8 {D8, D9}, [R8]!
	WORD $0xf429aa0d // VLD1.8 {D10, D11}, [R9]!
	FLIP
	MACS
	SUB.S $1, R12, R12
	BNE block

tail:
	// The last partial block of each pixel: the 16 bytes ending at Depth
	// (rem-16 past the pointers), VTBL moving the rem new bytes first and
	// zeroing the others (an index of 0xFF is out of range, which VTBL
	// reads as 0).
	MOVW rem+12(FP), R12
	CMP $0, R12
	BEQ reduce
	WEIGHTS
	SUB $16, R12, R12
	ADD R12, R8, R8
	ADD R12, R9, R9
	MOVW shuf+16(FP), R12
	WORD $0xf42cea0f // VLD1.8 {D14, D15}, [R12]
	WORD $0xf428ca0f // VLD1.8 {D12, D13}, [R8]
	WORD $0xf3bc890e // VTBL.8 D8, {D12, D13}, D14
	WORD $0xf3bc990f // VTBL.8 D9, {D12, D13}, D15
	WORD $0xf429ca0f // VLD1.8 {D12, D13}, [R9]
	WORD $0xf3bca90e // VTBL.8 D10, {D12, D13}, D14
	WORD $0xf3bcb90f // VTBL.8 D11, {D12, D13}, D15
	FLIP
	MACS

reduce:
	// Row r: pairwise adds fold each pixel's four lanes into one total,
	// then add 128*sum(w) (one corr value to both lanes) and store the
	// pair at c + r*ldc.
	MOVW corr+4(FP), R7
	MOVW R5, R8
	WORD $0xf2200bb1 // VPADD.I32 D0, D16, D17
	WORD $0xf2221bb3 // VPADD.I32 D1, D18, D19
	WORD $0xf2200b11 // VPADD.I32 D0, D0, D1
	WORD $0xf4a71c8d // VLD1.32 {D1[]}, [R7]!
	WORD $0xf2200801 // VADD.I32 D0, D0, D1
	WORD $0xf4080786 // VST1.32 {D0}, [R8], R6
	WORD $0xf2240bb5 // VPADD.I32 D0, D20, D21
	WORD $0xf2261bb7 // VPADD.I32 D1, D22, D23
	WORD $0xf2200b11 // VPADD.I32 D0, D0, D1
	WORD $0xf4a71c8d // VLD1.32 {D1[]}, [R7]!
	WORD $0xf2200801 // VADD.I32 D0, D0, D1
	WORD $0xf4080786 // VST1.32 {D0}, [R8], R6
	WORD $0xf2280bb9 // VPADD.I32 D0, D24, D25
	WORD $0xf22a1bbb // VPADD.I32 D1, D26, D27
	WORD $0xf2200b11 // VPADD.I32 D0, D0, D1
	WORD $0xf4a71c8d // VLD1.32 {D1[]}, [R7]!
	WORD $0xf2200801 // VADD.I32 D0, D0, D1
	WORD $0xf4080786 // VST1.32 {D0}, [R8], R6
	WORD $0xf22c0bbd // VPADD.I32 D0, D28, D29
	WORD $0xf22e1bbf // VPADD.I32 D1, D30, D31
	WORD $0xf2200b11 // VPADD.I32 D0, D0, D1
	WORD $0xf4a71c8d // VLD1.32 {D1[]}, [R7]!
	WORD $0xf2200801 // VADD.I32 D0, D0, D1
	WORD $0xf4080786 // VST1.32 {D0}, [R8], R6
	ADD $8, R5, R5
	ADD R3<<1, R2, R2
	SUB.S $1, R4, R4
	BNE pair
	RET
