//go:build !noasm

package host

import "golang.org/x/sys/cpu"

// Assembly in gemm_amd64.s.

//go:noescape
func gemm12x32AVX512(kc int, a *float32, b *uint16, c *float32, ldc int)

//go:noescape
func gemm6x16AVX2(kc int, a *float32, b *uint16, c *float32, ldc int)

var (
	avx512Gemm = &gemmKernel{name: "avx512", mr: 12, nr: 32, fn: gemm12x32AVX512}
	avx2Gemm   = &gemmKernel{name: "avx2", mr: 6, nr: 16, fn: gemm6x16AVX2}
)

// The kernels convert keys with VCVTPH2PS (F16C) and accumulate with
// VFMADD231PS (FMA); the AVX-512 one needs AVX512F besides.
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F
)

func pickGemm() *gemmKernel {
	switch {
	case hasAVX512:
		return avx512Gemm
	case hasAVX2:
		return avx2Gemm
	}
	return genericGemm
}

func fastGemms() []*gemmKernel {
	var ks []*gemmKernel
	if hasAVX2 {
		ks = append(ks, avx2Gemm)
	}
	if hasAVX512 {
		ks = append(ks, avx512Gemm)
	}
	return ks
}
