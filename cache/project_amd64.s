//go:build !noasm

#include "textflag.h"

// func projectAVX2(dst *float32, wt *uint16, idx *int32, xs *float32, n, rows, body int)
// Contract in dot.go: four projection rows (the rows of WT named by four
// gathered raw values) are converted from fp16 with VCVTPH2PS (F16C, Intel SDM
// vol. 2A) and added to eight outputs at a time, two products summed per FMA
// chain so a step waits on two FMAs, not four. dst stays in memory: the rows
// are read once each and the conversions, not the loads and stores of dst,
// set the pace.
TEXT ·projectAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ wt+8(FP), SI
	MOVQ idx+16(FP), R11
	MOVQ xs+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ rows+40(FP), R8
	MOVQ body+48(FP), R9
	SHLQ $1, R8          // row stride in bytes
	SHRQ $2, CX          // groups of four terms
	JZ   done

group:
	// Prefetch the rows of the group after next: they sit anywhere in the
	// matrix, so no hardware prefetcher guesses them.
	CMPQ CX, $2
	JLE  rows
	MOVLQSX 32(R11), BX
	CALL    prefetchRow<>(SB)
	MOVLQSX 36(R11), BX
	CALL    prefetchRow<>(SB)
	MOVLQSX 40(R11), BX
	CALL    prefetchRow<>(SB)
	MOVLQSX 44(R11), BX
	CALL    prefetchRow<>(SB)

rows:
	MOVLQSX      (R11), AX
	IMULQ        R8, AX
	ADDQ         SI, AX
	MOVLQSX      4(R11), BX
	IMULQ        R8, BX
	ADDQ         SI, BX
	MOVLQSX      8(R11), R12
	IMULQ        R8, R12
	ADDQ         SI, R12
	MOVLQSX      12(R11), R13
	IMULQ        R8, R13
	ADDQ         SI, R13
	VBROADCASTSS (DX), Y12
	VBROADCASTSS 4(DX), Y13
	VBROADCASTSS 8(DX), Y14
	VBROADCASTSS 12(DX), Y15
	XORQ         R10, R10

col:
	VCVTPH2PS   (AX)(R10*2), Y1
	VCVTPH2PS   (BX)(R10*2), Y2
	VCVTPH2PS   (R12)(R10*2), Y3
	VCVTPH2PS   (R13)(R10*2), Y4
	VMULPS      Y12, Y1, Y1
	VMULPS      Y14, Y3, Y3
	VFMADD231PS Y13, Y2, Y1  // Y1 += Y2 * x1
	VFMADD231PS Y15, Y4, Y3  // Y3 += Y4 * x3
	VADDPS      Y3, Y1, Y1
	VADDPS      (DI)(R10*4), Y1, Y1
	VMOVUPS     Y1, (DI)(R10*4)
	ADDQ        $8, R10
	CMPQ        R10, R9
	JLT         col

	ADDQ $16, R11
	ADDQ $16, DX
	DECQ CX
	JNZ  group

done:
	VZEROUPPER
	RET

// prefetchRow prefetches row BX of the matrix at SI (stride R8 bytes) into L1,
// a cache line at a time; it changes BX and R10 only.
TEXT prefetchRow<>(SB), NOSPLIT|NOFRAME, $0-0
	IMULQ R8, BX
	ADDQ  SI, BX
	XORQ  R10, R10

line:
	PREFETCHT0 (BX)(R10*1)
	ADDQ       $64, R10
	CMPQ       R10, R8
	JLT        line
	RET

// func gatherAVX2(idx *int32, xs *float32, room int, x *float32, n, base int) (count, used int)
// Contract in dot.go: gatherGeneric's appends without a branch on the data.
// A block of eight values is compared with zero at once (VCMPPS predicate 4,
// NEQ_UQ: NaN counts as non-zero); its 8-bit mask picks from compressLUT the
// positions of its non-zero values, packed as nibbles, which VPERMPS uses to
// move those values to the front; all eight lanes are stored and the count
// moves on by the mask's POPCNT. A branch per non-zero value would
// mispredict on every block: the zeros follow the image.
TEXT ·gatherAVX2(SB), NOSPLIT, $0-64
	MOVQ         idx+0(FP), DI
	MOVQ         xs+8(FP), SI
	MOVQ         room+16(FP), R8
	MOVQ         x+24(FP), DX
	MOVQ         n+32(FP), CX
	MOVQ         base+40(FP), R9
	LEAQ         ·compressLUT(SB), R13
	XORQ         AX, AX              // count
	XORQ         BX, BX              // used
	SUBQ         $8, R8              // a block needs eight free slots
	VXORPS       Y0, Y0, Y0
	VMOVDQU      nibbleShifts<>(SB), Y6
	VPBROADCASTD nibbleMask<>(SB), Y7
	VPBROADCASTD eight<>(SB), Y8
	MOVQ         R9, X9
	VPBROADCASTD X9, Y9              // base + used, per lane

block:
	CMPQ         BX, CX
	JGE          done
	CMPQ         AX, R8
	JG           done
	VMOVUPS      (DX)(BX*4), Y1
	VCMPPS       $4, Y0, Y1, Y2
	VMOVMSKPS    Y2, R10
	VPBROADCASTD (R13)(R10*4), Y3
	VPSRLVD      Y6, Y3, Y3          // lane i: the nibble of the i-th non-zero value
	VPAND        Y7, Y3, Y3
	VPERMPS      Y1, Y3, Y4          // values to the front
	VPADDD       Y9, Y3, Y5          // their positions
	VMOVUPS      Y4, (SI)(AX*4)
	VMOVDQU      Y5, (DI)(AX*4)
	POPCNTL      R10, R10
	ADDQ         R10, AX
	VPADDD       Y8, Y9, Y9
	ADDQ         $8, BX
	JMP          block

done:
	MOVQ AX, count+48(FP)
	MOVQ BX, used+56(FP)
	VZEROUPPER
	RET

DATA nibbleShifts<>+0(SB)/4, $0
DATA nibbleShifts<>+4(SB)/4, $4
DATA nibbleShifts<>+8(SB)/4, $8
DATA nibbleShifts<>+12(SB)/4, $12
DATA nibbleShifts<>+16(SB)/4, $16
DATA nibbleShifts<>+20(SB)/4, $20
DATA nibbleShifts<>+24(SB)/4, $24
DATA nibbleShifts<>+28(SB)/4, $28
GLOBL nibbleShifts<>(SB), RODATA|NOPTR, $32

DATA nibbleMask<>+0(SB)/4, $15
GLOBL nibbleMask<>(SB), RODATA|NOPTR, $4

DATA eight<>+0(SB)/4, $8
GLOBL eight<>(SB), RODATA|NOPTR, $4
