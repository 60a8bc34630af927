//go:build !noasm

#include "textflag.h"

// Lookup kernels for amd64; contract in dot.go. VCVTPH2PS is F16C (Intel SDM
// vol. 2A, "VCVTPH2PS"): it converts 8 (ymm) or 16 (zmm, AVX-512F) packed fp16
// values exactly. Four independent accumulators per query hide the FMA
// latency (4 cycles, 2 per cycle on Zen 4 and Ice Lake).

// func dotsAVX2(dst *float32, keys *uint16, q *float32, n, dim, body int)
TEXT ·dotsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ keys+8(FP), SI
	MOVQ q+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ dim+32(FP), R8
	MOVQ body+40(FP), R9
	SHLQ $1, R8          // key stride in bytes
	MOVQ R9, R10
	ANDQ $-32, R10       // end of the 32-wide loop

key:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX
	CMPQ   AX, R10
	JGE    rest

loop32:
	VCVTPH2PS   (SI)(AX*2), Y4
	VCVTPH2PS   16(SI)(AX*2), Y5
	VCVTPH2PS   32(SI)(AX*2), Y6
	VCVTPH2PS   48(SI)(AX*2), Y7
	VFMADD231PS (DX)(AX*4), Y4, Y0
	VFMADD231PS 32(DX)(AX*4), Y5, Y1
	VFMADD231PS 64(DX)(AX*4), Y6, Y2
	VFMADD231PS 96(DX)(AX*4), Y7, Y3
	ADDQ        $32, AX
	CMPQ        AX, R10
	JLT         loop32

rest:
	CMPQ        AX, R9
	JGE         reduce
	VCVTPH2PS   (SI)(AX*2), Y4
	VFMADD231PS (DX)(AX*4), Y4, Y0
	ADDQ        $8, AX
	JMP         rest

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1 // swap 64-bit halves
	VADDPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1 // swap neighbours
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         R8, SI
	DECQ         CX
	JNZ          key
	VZEROUPPER
	RET

// func dots4AVX2(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)
TEXT ·dots4AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R11
	MOVQ keys+16(FP), SI
	MOVQ q+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ dim+40(FP), R8
	MOVQ body+48(FP), R9
	SHLQ $2, R11               // output row stride in bytes
	LEAQ (DX)(R8*4), BX        // query 1
	LEAQ (BX)(R8*4), R13       // query 2
	LEAQ (R13)(R8*4), R14      // query 3
	LEAQ (R11)(R11*2), R12     // 3 output rows
	SHLQ $1, R8                // key stride in bytes
	MOVQ R9, R10
	ANDQ $-16, R10

key4:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX
	CMPQ   AX, R10
	JGE    rest4

loop16:
	VCVTPH2PS   (SI)(AX*2), Y8
	VCVTPH2PS   16(SI)(AX*2), Y9
	VFMADD231PS (DX)(AX*4), Y8, Y0
	VFMADD231PS (BX)(AX*4), Y8, Y1
	VFMADD231PS (R13)(AX*4), Y8, Y2
	VFMADD231PS (R14)(AX*4), Y8, Y3
	VFMADD231PS 32(DX)(AX*4), Y9, Y4
	VFMADD231PS 32(BX)(AX*4), Y9, Y5
	VFMADD231PS 32(R13)(AX*4), Y9, Y6
	VFMADD231PS 32(R14)(AX*4), Y9, Y7
	ADDQ        $16, AX
	CMPQ        AX, R10
	JLT         loop16

rest4:
	CMPQ        AX, R9
	JGE         reduce4
	VCVTPH2PS   (SI)(AX*2), Y8
	VFMADD231PS (DX)(AX*4), Y8, Y0
	VFMADD231PS (BX)(AX*4), Y8, Y1
	VFMADD231PS (R13)(AX*4), Y8, Y2
	VFMADD231PS (R14)(AX*4), Y8, Y3

reduce4:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	// Transposing horizontal sums: after the three VHADDPS each 128-bit
	// lane holds [q0 q1 q2 q3] partial sums.
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVSS       X0, (DI)
	VEXTRACTPS   $1, X0, (DI)(R11*1)
	VEXTRACTPS   $2, X0, (DI)(R11*2)
	VEXTRACTPS   $3, X0, (DI)(R12*1)
	ADDQ         $4, DI
	ADDQ         R8, SI
	DECQ         CX
	JNZ          key4
	VZEROUPPER
	RET

// func f16to32AVX2(dst *float32, src *uint16, n int)
TEXT ·f16to32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX

conv:
	VCVTPH2PS (SI)(AX*2), Y0
	VMOVUPS   Y0, (DI)(AX*4)
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       conv
	VZEROUPPER
	RET

// func dotsAVX512(dst *float32, keys *uint16, q *float32, n, dim, body int)
TEXT ·dotsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ keys+8(FP), SI
	MOVQ q+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ dim+32(FP), R8
	MOVQ body+40(FP), R9
	SHLQ $1, R8
	MOVQ R9, R10
	ANDQ $-64, R10       // end of the 64-wide loop
	MOVQ R9, R11
	ANDQ $-16, R11       // end of the 16-wide loop

key512:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VXORPS Y5, Y5, Y5    // VEX: clears all of Z5
	XORQ   AX, AX
	CMPQ   AX, R10
	JGE    loop16z

loop64z:
	VCVTPH2PS   (SI)(AX*2), Z4
	VCVTPH2PS   32(SI)(AX*2), Z6
	VCVTPH2PS   64(SI)(AX*2), Z7
	VCVTPH2PS   96(SI)(AX*2), Z8
	VFMADD231PS (DX)(AX*4), Z4, Z0
	VFMADD231PS 64(DX)(AX*4), Z6, Z1
	VFMADD231PS 128(DX)(AX*4), Z7, Z2
	VFMADD231PS 192(DX)(AX*4), Z8, Z3
	ADDQ        $64, AX
	CMPQ        AX, R10
	JLT         loop64z

loop16z:
	CMPQ        AX, R11
	JGE         rest8z
	VCVTPH2PS   (SI)(AX*2), Z4
	VFMADD231PS (DX)(AX*4), Z4, Z0
	ADDQ        $16, AX
	JMP         loop16z

rest8z:
	CMPQ        AX, R9
	JGE         reducez
	// 8 values left: a ymm step, so nothing past body is read.
	VCVTPH2PS   (SI)(AX*2), Y4
	VFMADD231PS (DX)(AX*4), Y4, Y5

reducez:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VADDPS        Z5, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDSS        X1, X0, X0
	VMOVSS        X0, (DI)
	ADDQ          $4, DI
	ADDQ          R8, SI
	DECQ          CX
	JNZ           key512
	VZEROUPPER
	RET

// func dots4AVX512(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)
TEXT ·dots4AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R11
	MOVQ keys+16(FP), SI
	MOVQ q+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ dim+40(FP), R8
	MOVQ body+48(FP), R9
	SHLQ $2, R11
	LEAQ (DX)(R8*4), BX
	LEAQ (BX)(R8*4), R13
	LEAQ (R13)(R8*4), R14
	LEAQ (R11)(R11*2), R12
	SHLQ $1, R8
	MOVQ R9, R10
	ANDQ $-32, R10       // end of the 32-wide loop

key4z:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	XORQ   AX, AX
	CMPQ   AX, R10
	JGE    step16z

loop32z:
	VCVTPH2PS   (SI)(AX*2), Z8
	VCVTPH2PS   32(SI)(AX*2), Z9
	VFMADD231PS (DX)(AX*4), Z8, Z0
	VFMADD231PS (BX)(AX*4), Z8, Z1
	VFMADD231PS (R13)(AX*4), Z8, Z2
	VFMADD231PS (R14)(AX*4), Z8, Z3
	VFMADD231PS 64(DX)(AX*4), Z9, Z4
	VFMADD231PS 64(BX)(AX*4), Z9, Z5
	VFMADD231PS 64(R13)(AX*4), Z9, Z6
	VFMADD231PS 64(R14)(AX*4), Z9, Z7
	ADDQ        $32, AX
	CMPQ        AX, R10
	JLT         loop32z

step16z:
	TESTQ       $16, R9 // body - AX = body % 32 here: 0, 8, 16 or 24
	JZ          step8z
	VCVTPH2PS   (SI)(AX*2), Z8
	VFMADD231PS (DX)(AX*4), Z8, Z0
	VFMADD231PS (BX)(AX*4), Z8, Z1
	VFMADD231PS (R13)(AX*4), Z8, Z2
	VFMADD231PS (R14)(AX*4), Z8, Z3
	ADDQ        $16, AX

step8z:
	TESTQ       $8, R9
	JZ          reduce4z
	VCVTPH2PS   (SI)(AX*2), Y8
	VFMADD231PS (DX)(AX*4), Y8, Y10
	VFMADD231PS (BX)(AX*4), Y8, Y11
	VFMADD231PS (R13)(AX*4), Y8, Y12
	VFMADD231PS (R14)(AX*4), Y8, Y13

reduce4z:
	VADDPS        Z4, Z0, Z0
	VADDPS        Z5, Z1, Z1
	VADDPS        Z6, Z2, Z2
	VADDPS        Z7, Z3, Z3
	VADDPS        Z10, Z0, Z0
	VADDPS        Z11, Z1, Z1
	VADDPS        Z12, Z2, Z2
	VADDPS        Z13, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y8
	VADDPS        Y8, Y0, Y0
	VEXTRACTF64X4 $1, Z1, Y8
	VADDPS        Y8, Y1, Y1
	VEXTRACTF64X4 $1, Z2, Y8
	VADDPS        Y8, Y2, Y2
	VEXTRACTF64X4 $1, Z3, Y8
	VADDPS        Y8, Y3, Y3
	VHADDPS       Y1, Y0, Y0
	VHADDPS       Y3, Y2, Y2
	VHADDPS       Y2, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVSS        X0, (DI)
	VEXTRACTPS    $1, X0, (DI)(R11*1)
	VEXTRACTPS    $2, X0, (DI)(R11*2)
	VEXTRACTPS    $3, X0, (DI)(R12*1)
	ADDQ          $4, DI
	ADDQ          R8, SI
	DECQ          CX
	JNZ           key4z
	VZEROUPPER
	RET
