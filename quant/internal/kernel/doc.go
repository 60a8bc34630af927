// Package kernel holds the int8 matrix kernels of the quantized model: one
// readable reference (the specification) and fast versions for amd64 and
// arm64, proven bit-exact against it.
//
// The product every convolution and the final layer reduce to is
//
//	c[i*ldc+j] = sum over k < depth of int32(a[i][k]) * int32(b[j*ldb+k])
//
// with a the int8 weights of output channel i (symmetric, -127..127, packed
// once by PackWeights) and b row j the uint8 activations of one output pixel
// (an im2col patch, depth-contiguous). Zero points and requantization are the
// caller's: with weights symmetric, sum w*(x-zp) = sum w*x - zp*sum w.
//
// # Kernels
//
// Every assembly kernel computes tiles of c (a panel of weight rows against
// a group of pixels) with each partial result in its own vector register.
// PackWeights lays the weights out in panels, block by block, zero-padded,
// so a kernel streams them front to back; pixels are read in place from b.
// The kernel is picked once at start-up from golang.org/x/sys/cpu (Kernels
// lists them, BestKernel names the pick):
//
//   - vnni (amd64, AVX512-VNNI+BW): 16x16 tiles, one ZMM of 16 channels per
//     pixel; per 4 values of depth a broadcast of the pixel's 4 bytes and one
//     VPDPBUSD (u8 x s8 summed in fours into int32, no saturation); a 16x16
//     transpose turns pixel vectors into rows of c.
//   - avx2 (amd64): 4x4 tiles of 16 dot products; activations zero-extended
//     to 16 bits, weights stored as int16, VPMADDWD. Exact for all inputs,
//     unlike VPMADDUBSW, whose saturating int16 pair sums overflow at
//     255*127*2 (see tiles_avx2_amd64.s for the cost comparison).
//   - maddubs (amd64 AVX2): the VPMADDUBSW path, 4x4 tiles, exact by
//     splitting each activation x = (x&0x7F) + 128*(x>>7) so no int16 pair
//     sum saturates, each half widened by VPMADDWD; twice avx2's multiplies,
//     measured at 0.77x its speed, so listed after it (tiles_maddubs_amd64.s).
//   - dot (arm64 with FEAT_DotProd, e.g. Cortex-A76/Pi 5): 16x4 tiles, SDOT
//     by element on x^0x80 = x-128, accumulators starting at 128*sum(w) per
//     channel (computed when packing); exact in int32.
//   - neon (every arm64, e.g. Cortex-A72/Pi 4): 4x4 tiles of 16 dot
//     products; SMULL+SMLAL2 into 16 bits (two products of at most 128*127
//     each on x-128), SADALP into 32 bits.
//   - neon (armv7 with NEON, e.g. a Pi 2/3 in 32-bit mode; tiles_neon_arm.s):
//     4x2 tiles (AArch32 has 16 quad registers), VMULL.S8/VMLAL.S8 on x-128
//     and VPADAL.S16, with the requantization and the ADD in NEON too;
//     chosen at start-up from cpu.ARM.HasNEON.
//   - go: the Go twin, on armv6 (Pi Zero/1), armv7 without NEON, other
//     architectures and with the noasm build tag.
//
// Tiles that would cross the end of b or c (n or M not a multiple of the
// tile) run on copies in small scratch buffers, and the last
// partial depth block is read without touching bytes past Depth, so the
// kernels read and write nothing outside the regions Gemm describes. Gemm
// allocates nothing for depths up to 256 (1024 but for vnni) and is safe
// for concurrent use.
//
// # Requantization and ADD
//
// GemmRequant is Gemm followed by TFLite's per-channel requantization
// (Requant), written as bytes in pixel-major (HWC) order. The vnni kernel
// does it in its epilogue, on the accumulators while they are still one
// vector of 16 channels per pixel (so without the transpose); every other
// kernel runs Gemm into a stack buffer and then the epilogue: NEON on arm64
// (requant_arm64.s, 4 channels x 4 pixels transposed in registers), Go
// elsewhere (requantRow; both proven equal to requantGo).
// GemmRequantSegments reads each pixel's depth as several runs (the rows
// of a 3x3 patch in a padded HWC image), so stride-1 convolutions need no
// im2col where InPlace says the kernel does this in assembly (vnni); the
// Go twin gathers the runs and calls GemmRequant.
// GemmRequantGrid runs a whole convolution that way. On vnni it computes
// tiles of two output rows of 8 pixels, a column of them per call, with
// two kernels that keep the VPDPBUSD pipes busy (grid2_amd64.go): on an
// AVX-512 Zen 5 the 16x16 loop is bound by its 17 loads per 16 VPDPBUSD,
// not by VPDPBUSD. tilesVNNIRq2 takes two panels (32 channels) against 8
// pixels, 10 loads per 16 VPDPBUSD; tilesVNNIRqP takes a panel alone (a
// 16-channel stage). Both are software-pipelined: a tile's sums are saved
// and requantized during the next tile's loop, where the epilogue's adds,
// shifts and blends find idle pipes (only its VPMULDQ compete with
// VPDPBUSD). Both are proven equal to the Go twin (grid2_amd64_test.go).
// Normalize quantizes the network's input in float64 (AVX-512 on amd64,
// input_amd64.s, and its Go twin, which is the specification).
// Add is TFLite's 8-bit ADD: AVX-512F on amd64 (add_amd64.s), NEON on
// arm64 (add_arm64.s), per-byte tables in Go elsewhere. Both are proven equal to independent
// transcriptions of gemmlowp's fixed-point functions (requant_test.go,
// add_test.go) over shifts -31..30, saturating sums and rounding ties.
//
// # Testing and measuring
//
//	go test ./quant/internal/kernel/                     # every kernel this CPU has vs gemmRef
//	go test -tags noasm ./quant/internal/kernel/
//	GOARCH=arm64 go test -exec qemu-aarch64-static ./quant/internal/kernel/
//	GOARCH=arm64 go test -exec 'qemu-aarch64-static -cpu cortex-a72' ./quant/internal/kernel/
//	GOARCH=arm GOARM=7 go test -exec qemu-arm-static ./quant/internal/kernel/
//	GOARCH=arm GOARM=7 go test -exec 'qemu-arm-static -cpu cortex-r5f' ./quant/internal/kernel/   # armv7, no NEON
//	GOARCH=arm GOARM=6 go test -exec qemu-arm-static ./quant/internal/kernel/
//	go run ./quant/internal/kernel/armcount -quant F.q   # armv7 instructions, NEON and Go twins
//	go test -run - -bench . ./quant/internal/kernel/      # GMAC/s per kernel, in thread CPU time
//	go run ./quant/internal/kernel/inscount              # arm64 instructions and Pi 4/5 estimate
package kernel
