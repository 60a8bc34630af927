//go:build arm.7 && !noasm

package kernel

import (
	"strconv"

	"golang.org/x/sys/cpu"
)

// tilesNEON is the armv7 GEMM tile (tiles_neon_arm.s): 4 weight rows
// against pairs pairs of pixels, VMULL.S8/VMLAL.S8 into 16 bits and
// VPADAL.S16 into 32 bits on x^0x80 = x-128, plus corr = 128*sum(w) per
// row, as tilesNEON on arm64.
//
//go:noescape
func tilesNEON(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, pairs int, c *int32, ldc int)

// neon is the armv7 kernel: Cortex-A7 (Pi 2), A53 (Pi 3, Zero 2) and A72
// (Pi 4) running a 32-bit OS. The tile is 4x2, not arm64's 4x4: AArch32
// has 16 quadword registers, of which the 8 sums take half.
var neon = &kernel{name: "neon", rows: 4, cols: 2, block: 16, elem: 1, xorBias: true, window: 16, asm: asmNEON}

const asmNEON = 1

// runTiles calls the assembly kernel directly, not through a func value,
// so that //go:noescape holds and Gemm's scratch tiles stay on the stack.
func runTiles(id int, a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int) {
	if id != asmNEON {
		panic("kernel: no assembly kernel " + strconv.Itoa(id))
	}
	tilesNEON(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
}

var available = armKernels(cpu.ARM.HasNEON)

// armKernels lists the kernels of a core with or without NEON. GOARM=7
// promises VFPv3, not Advanced SIMD, which ARMv7-A makes an optional
// extension (ARM ARM DDI 0406C), so the kernels are chosen by the core's
// HWCAP_NEON, which golang.org/x/sys/cpu reads from the auxiliary vector.
// The NEON requantization and ADD below follow the same bit.
func armKernels(hasNEON bool) []*kernel {
	if hasNEON {
		return []*kernel{neon, generic}
	}
	return []*kernel{generic}
}

// runRequantTiles is never called: no kernel here has a fused epilogue.
func runRequantTiles(id int, a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool) {
	panic("kernel: no fused assembly kernels in this build")
}

// addNEON is Add.Run on blocks 16-byte blocks (add_neon_arm.s).
//
//go:noescape
func addNEON(dst, x, y *uint8, blocks int, vec *int32)

// hasAddAsm: Add.Run runs in NEON where the core has it.
var hasAddAsm = cpu.ARM.HasNEON

func addAsm(dst, x, y *uint8, blocks int, a *Add) { addNEON(dst, x, y, blocks, &a.neon[0]) }

// requantNEON is Requant.requantBlock's epilogue (requant_neon_arm.s):
// groups groups of 4 channels by quads*4 pixels, rows of nc sums.
//
//go:noescape
func requantNEON(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int)

// hasRequantAsm: GemmRequant's epilogue runs in NEON where the core has it.
var hasRequantAsm = cpu.ARM.HasNEON

func requantAsm(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int) {
	requantNEON(acc, nc, dst, ldd, vec, groups, lim, quads)
}

// hasNormalizeAsm: Normalize uses its Go twin here.
const hasNormalizeAsm = false

func normalizeAsm(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64) {
	panic("kernel: no assembly normalization in this build")
}
