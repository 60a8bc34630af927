//go:build amd64 && !noasm

package kernel

import (
	"strconv"

	"golang.org/x/sys/cpu"
)

// tilesVNNI uses VPDPBUSD (AVX512-VNNI; AVX512BW for the masked byte load
// of the last 1-3 values of depth): 16x16 tiles, one ZMM per pixel holding
// 16 channels, weights int8 in blocks of 4 (tiles_vnni_amd64.s).
//
//go:noescape
func tilesVNNI(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int)

// tilesAVX2 widens activations to 16 bits and uses VPMADDWD, exact for any
// u8 x s8 (see tiles_avx2_amd64.s for why not VPMADDUBSW). Weights int16 in
// blocks of 16.
//
//go:noescape
func tilesAVX2(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)

// tilesVNNIRq is tilesVNNI with GemmRequant's epilogue: each pixel's 16
// channel sums requantized in place and stored as bytes (a masked store of
// mask's channels) at dst + pixel*ldd, without the transpose. Each pixel's
// depth is read as segs runs of blocks*4 bytes, segStride apart. Pixels
// 8-15 of a group start half bytes after pixel 0 and groups are gstep bytes
// apart: 8*ldb and 16*ldb for a run of pixels, one and two image rows for a
// group made of two output rows of 8 pixels; dhalf and dstep place the
// outputs the same way. left says whether any channel shifts left.
//
//go:noescape
func tilesVNNIRq(a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool)

var (
	vnni = &kernel{name: "vnni", rows: 16, cols: 16, block: 4, elem: 1, asm: asmVNNI, rqAsm: asmVNNI}
	avx2 = &kernel{name: "avx2", rows: 4, cols: 4, block: 16, elem: 2, window: 16, asm: asmAVX2}
)

const (
	asmVNNI = 1 + iota
	asmAVX2
	asmMaddubs
)

// runTiles calls the assembly kernel directly, not through a func value,
// so that //go:noescape holds and Gemm's scratch tiles stay on the stack.
func runTiles(id int, a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int) {
	switch id {
	case asmVNNI:
		tilesVNNI(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
	case asmAVX2:
		tilesAVX2(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
	case asmMaddubs:
		tilesMaddubs(a, corr, blocks, rem, shuf, b, ldb, groups, c, ldc)
	default:
		panic("kernel: no assembly kernel " + strconv.Itoa(id))
	}
}

// runRequantTiles calls a fused GEMM and requantization kernel.
func runRequantTiles(id int, a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool) {
	switch id {
	case asmVNNI:
		tilesVNNIRq(a, blocks, rem, b, ldb, groups, rq, dst, ldd, mask, segs, segStride, half, gstep, dhalf, dstep, left)
	default:
		panic("kernel: no fused assembly kernel " + strconv.Itoa(id))
	}
}

var available = amd64Kernels()

func amd64Kernels() []*kernel {
	var ks []*kernel
	// x/sys/cpu reports the AVX-512 and AVX2 features only when the OS
	// also saves the wide registers (XCR0), so these are safe to use as is.
	if cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512BW {
		ks = append(ks, vnni)
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, avx2, maddubs) // maddubs measured slower: maddubs_amd64.go
	}
	return append(ks, generic)
}

// addAVX512 is Add.Run on blocks 16-byte blocks (add_amd64.s).
//
//go:noescape
func addAVX512(dst, x, y *uint8, blocks int, vec *int32)

// hasAddAsm: addAVX512 needs AVX-512F (VPMULDQ, VPSRAVD on ZMM, VPMOVDB).
var hasAddAsm = cpu.X86.HasAVX512F

func addAsm(dst, x, y *uint8, blocks int, a *Add) { addAVX512(dst, x, y, blocks, &a.vec[0]) }

// hasRequantAsm: GemmRequant's unfused epilogue is Go here.
const hasRequantAsm = false

func requantAsm(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int) {
	panic("kernel: no assembly requantization in this build")
}

// normalizeAVX512 is Normalize on blocks of 8 values (input_amd64.s).
//
//go:noescape
func normalizeAVX512(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64)

// hasNormalizeAsm: normalizeAVX512 needs AVX-512F (VRNDSCALEPD, VPMOVDB).
var hasNormalizeAsm = cpu.X86.HasAVX512F

func normalizeAsm(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64) {
	normalizeAVX512(dst, src, mean, std, blocks, k)
}
