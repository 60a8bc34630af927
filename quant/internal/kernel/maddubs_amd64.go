//go:build !noasm

package kernel

// tilesMaddubs uses VPMADDUBSW (AVX2) on int8 weights, exact for any u8 x
// s8 by splitting each activation into its low 7 bits and its top bit
// (tiles_maddubs_amd64.s has the bounds): 4x4 tiles, weights in blocks of
// 16 bytes per row, the last partial block read as the 16 bytes ending at
// Depth.
//
//go:noescape
func tilesMaddubs(a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, quads int, c *int32, ldc int)

// maddubs is listed after avx2 on AVX2 machines: measured slower there (it
// needs twice the multiplies per product; see the benchmarks), it is kept
// for comparison and forced by name.
var maddubs = &kernel{name: "maddubs", rows: 4, cols: 4, block: 16, elem: 1, window: 16, asm: asmMaddubs}
