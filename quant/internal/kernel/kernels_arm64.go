//go:build arm64 && !noasm

package kernel

import (
	"strconv"

	"golang.org/x/sys/cpu"
)

// tilesDot uses SDOT (the ARMv8.2 dot-product extension, FEAT_DotProd:
// Cortex-A76 and later, so the Pi 5). SDOT is int8 x int8, so activations go
// in as x^0x80 = x-128 and the kernel adds 128*sum(w) back per row.
//
//go:noescape
func tilesDot(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)

// tilesNEON uses SMULL/SMLAL2 into 16 bits and SADALP into 32 bits, ARMv8.0
// (Cortex-A53/A72, so the Pi 3 and Pi 4), with the same x-128 trick: each
// 16-bit lane sums two products of at most 128*127, 32512 < 32767.
//
//go:noescape
func tilesNEON(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)

var (
	dot  = &kernel{name: "dot", rows: 16, cols: 4, block: 4, step: 16, elem: 1, xorBias: true, window: 16, asm: asmDot}
	neon = &kernel{name: "neon", rows: 4, cols: 4, block: 16, elem: 1, xorBias: true, window: 16, asm: asmNEON}
)

const (
	asmDot = 1 + iota
	asmNEON
)

// runTiles calls the assembly kernel directly, not through a func value,
// so that //go:noescape holds and Gemm's scratch tiles stay on the stack.
func runTiles(id int, a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int) {
	switch id {
	case asmDot:
		tilesDot(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
	case asmNEON:
		tilesNEON(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
	default:
		panic("kernel: no assembly kernel " + strconv.Itoa(id))
	}
}

var available = arm64Kernels()

func arm64Kernels() []*kernel {
	var ks []*kernel
	if cpu.ARM64.HasASIMDDP {
		ks = append(ks, dot)
	}
	// Advanced SIMD is part of every ARMv8-A core Go runs on.
	return append(ks, neon, generic)
}

// runRequantTiles is never called: no kernel here has a fused epilogue.
func runRequantTiles(id int, a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool) {
	panic("kernel: no fused assembly kernels in this build")
}

// addNEON is Add.Run on blocks 16-byte blocks (add_arm64.s).
//
//go:noescape
func addNEON(dst, x, y *uint8, blocks int, vec *int32)

// hasAddAsm: every arm64 core has Advanced SIMD.
const hasAddAsm = true

func addAsm(dst, x, y *uint8, blocks int, a *Add) { addNEON(dst, x, y, blocks, &a.neon[0]) }

// requantNEON is Requant.requantBlock's epilogue (requant_arm64.s): groups
// groups of 4 channels by quads*4 pixels, rows of nc sums.
//
//go:noescape
func requantNEON(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int)

// hasRequantAsm: every arm64 core has Advanced SIMD.
const hasRequantAsm = true

func requantAsm(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int) {
	requantNEON(acc, nc, dst, ldd, vec, groups, lim, quads)
}

// hasNormalizeAsm: Normalize uses its Go twin here.
const hasNormalizeAsm = false

func normalizeAsm(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64) {
	panic("kernel: no assembly normalization in this build")
}
