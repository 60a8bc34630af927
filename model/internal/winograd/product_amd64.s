//go:build !noasm

#include "textflag.h"

// Offsets into productArgs (product_amd64.go).
#define PR_U 0
#define PR_V 8
#define PR_M 16
#define PR_IN 24
#define PR_PANELS 32
#define PR_NV 40
#define PR_UPOS4 48
#define PR_VPOS4 56
#define PR_MPOS4 64
#define PR_BP4 72

// One weight row (broadcast U[c*8+r] into t) against the step's vectors
// Z24..Z26. "VFMADD231PS t, x, acc" is acc += x*t.
#define FMA3(o, t, a0, a1, a2) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS t, Z25, a1; VFMADD231PS t, Z26, a2
#define FMA2(o, t, a0, a1) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0; VFMADD231PS t, Z25, a1
#define FMA1(o, t, a0) VBROADCASTSS o(AX), t; VFMADD231PS t, Z24, a0

#define ZERO8(a, b, c, d, e, f, g, h) VPXORD a, a, a; VPXORD b, b, b; VPXORD c, c, c; VPXORD d, d, d; VPXORD e, e, e; VPXORD f, f, f; VPXORD g, g, g; VPXORD h, h, h

// Store row r's vectors at R13 and step R13 to the next row (BX = bp4).
#define ST3(a0, a1, a2) VMOVUPS a0, (R13); VMOVUPS a1, 64(R13); VMOVUPS a2, 128(R13); ADDQ BX, R13
#define ST2(a0, a1) VMOVUPS a0, (R13); VMOVUPS a1, 64(R13); ADDQ BX, R13
#define ST1(a0) VMOVUPS a0, (R13); ADDQ BX, R13

// func productAVX512(a *productArgs)
TEXT ·productAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ PR_U(DI), R9
	MOVQ PR_V(DI), R10
	MOVQ PR_M(DI), R11
	MOVQ PR_BP4(DI), BX
	MOVQ $16, R8

prpos:
	MOVQ R9, AX
	MOVQ R11, R13
	MOVQ PR_PANELS(DI), R12

prpanel:
	MOVQ R10, SI
	MOVQ PR_IN(DI), DX
	MOVQ PR_NV(DI), CX
	CMPQ CX, $3
	JEQ  pr3
	CMPQ CX, $2
	JEQ  pr2

	ZERO8(Z0, Z3, Z6, Z9, Z12, Z15, Z18, Z21)

pr1loop:
	VMOVUPS (SI), Z24
	FMA1(0, Z27, Z0)
	FMA1(4, Z28, Z3)
	FMA1(8, Z29, Z6)
	FMA1(12, Z30, Z9)
	FMA1(16, Z27, Z12)
	FMA1(20, Z28, Z15)
	FMA1(24, Z29, Z18)
	FMA1(28, Z30, Z21)
	ADDQ $32, AX
	ADDQ BX, SI
	DECQ DX
	JNZ  pr1loop
	ST1(Z0)
	ST1(Z3)
	ST1(Z6)
	ST1(Z9)
	ST1(Z12)
	ST1(Z15)
	ST1(Z18)
	ST1(Z21)
	JMP prnext

pr2:
	ZERO8(Z0, Z3, Z6, Z9, Z12, Z15, Z18, Z21)
	ZERO8(Z1, Z4, Z7, Z10, Z13, Z16, Z19, Z22)

pr2loop:
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Z25
	FMA2(0, Z27, Z0, Z1)
	FMA2(4, Z28, Z3, Z4)
	FMA2(8, Z29, Z6, Z7)
	FMA2(12, Z30, Z9, Z10)
	FMA2(16, Z27, Z12, Z13)
	FMA2(20, Z28, Z15, Z16)
	FMA2(24, Z29, Z18, Z19)
	FMA2(28, Z30, Z21, Z22)
	ADDQ $32, AX
	ADDQ BX, SI
	DECQ DX
	JNZ  pr2loop
	ST2(Z0, Z1)
	ST2(Z3, Z4)
	ST2(Z6, Z7)
	ST2(Z9, Z10)
	ST2(Z12, Z13)
	ST2(Z15, Z16)
	ST2(Z18, Z19)
	ST2(Z21, Z22)
	JMP prnext

pr3:
	ZERO8(Z0, Z3, Z6, Z9, Z12, Z15, Z18, Z21)
	ZERO8(Z1, Z4, Z7, Z10, Z13, Z16, Z19, Z22)
	ZERO8(Z2, Z5, Z8, Z11, Z14, Z17, Z20, Z23)

pr3loop:
	VMOVUPS (SI), Z24
	VMOVUPS 64(SI), Z25
	VMOVUPS 128(SI), Z26
	FMA3(0, Z27, Z0, Z1, Z2)
	FMA3(4, Z28, Z3, Z4, Z5)
	FMA3(8, Z29, Z6, Z7, Z8)
	FMA3(12, Z30, Z9, Z10, Z11)
	FMA3(16, Z27, Z12, Z13, Z14)
	FMA3(20, Z28, Z15, Z16, Z17)
	FMA3(24, Z29, Z18, Z19, Z20)
	FMA3(28, Z30, Z21, Z22, Z23)
	ADDQ $32, AX
	ADDQ BX, SI
	DECQ DX
	JNZ  pr3loop
	ST3(Z0, Z1, Z2)
	ST3(Z3, Z4, Z5)
	ST3(Z6, Z7, Z8)
	ST3(Z9, Z10, Z11)
	ST3(Z12, Z13, Z14)
	ST3(Z15, Z16, Z17)
	ST3(Z18, Z19, Z20)
	ST3(Z21, Z22, Z23)

prnext:
	// AX has walked to the next panel; R13 to its first row.
	DECQ R12
	JNZ  prpanel
	ADDQ PR_UPOS4(DI), R9
	ADDQ PR_VPOS4(DI), R10
	ADDQ PR_MPOS4(DI), R11
	DECQ R8
	JNZ  prpos
	VZEROUPPER
	RET
