//go:build !noasm

package cache

import "golang.org/x/sys/cpu"

// Assembly in dot_amd64.s.

//go:noescape
func dotsAVX2(dst *float32, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func dots4AVX2(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func f16to32AVX2(dst *float32, src *uint16, n int)

//go:noescape
func expsAVX2(dst, src *float32, n int, theta, m float32)

//go:noescape
func dotsAVX512(dst *float32, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func dots4AVX512(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)

var (
	avx2Kernels   = &kernelSet{name: "avx2", dotsBody: dotsAVX2, dots4Body: dots4AVX2, f16to32Body: f16to32AVX2, expsBody: expsAVX2}
	avx512Kernels = &kernelSet{name: "avx512", dotsBody: dotsAVX512, dots4Body: dots4AVX512, f16to32Body: f16to32AVX2, expsBody: expsAVX2}
)

// hasAVX2 needs F16C for VCVTPH2PS and FMA for VFMADD231PS besides AVX2
// (x/sys/cpu sets these only when the OS saves the YMM state).
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F
)

func pickKernels() *kernelSet {
	switch {
	case hasAVX512:
		return avx512Kernels
	case hasAVX2:
		return avx2Kernels
	}
	return generic
}

func fastKernels() []*kernelSet {
	var ks []*kernelSet
	if hasAVX2 {
		ks = append(ks, avx2Kernels)
	}
	if hasAVX512 {
		ks = append(ks, avx512Kernels)
	}
	return ks
}
