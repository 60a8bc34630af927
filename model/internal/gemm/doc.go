// Package gemm holds the float32 matrix kernel behind model's fast
// convolution: an indirect ("implicit") GEMM that multiplies a packed panel of
// MR weight rows by columns gathered straight from a zero-padded input, and
// writes bias + residual + ReLU fused into the destination.
//
// A Tile computes MR output channels for NR consecutive positions q of a
// padded output grid (q = y*Wq + x, Wq >= the output width). Step k of the
// reduction reads the NR input values B[Offs[k]+q] for every position, so a
// convolution is described by its offset table alone: one offset per
// (input channel, ky, kx), pointing into a padded (and, for stride s, an s x s
// phase-split) copy of the input. No im2col matrix is ever written.
//
// Positions whose column falls in the padding (x >= output width) or beyond
// the last row are garbage: Mask says which positions are real, and the real
// ones are stored consecutively from C[Off] (they are consecutive in the
// compact NCHW output because they come in row-major order).
//
// Implementations, chosen once at start-up (golang.org/x/sys/cpu):
//   - amd64 with AVX-512F and VL: one fused kernel (8 x 48 accumulators in
//     24 zmm, a ymm half vector for tiles ending on 8 positions; then bias,
//     VCOMPRESSPS of the real lanes, residual, ReLU, masked store);
//   - amd64 with AVX2+FMA: 4x16 and 4x8 register blocks of the product, then
//     the Go epilogue;
//   - arm64: 8x8 NEON FMLA (by element) blocks, two steps of k per loop,
//     then the epilogue's runs of real positions in NEON (epilogue_arm64.s);
//   - everything else (armv6/v7), and any build with -tags noasm: the Go twin.
//
// Spread, the copy of an image into the padded planes, is AVX-512 (masked
// row tails) on amd64 and Go's copy elsewhere.
package gemm
