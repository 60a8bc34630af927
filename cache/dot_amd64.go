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
func projectAVX2(dst *float32, wt *uint16, idx *int32, xs *float32, n, rows, body int)

// compressLUT[m] lists, a nibble each from the lowest, the positions of the
// set bits of the 8-bit mask m: gatherAVX2's permutation for a block whose
// non-zero values are m.
var compressLUT = func() (t [256]uint32) {
	for m := range t {
		k := 0
		for i := 0; i < 8; i++ {
			if m>>i&1 == 1 {
				t[m] |= uint32(i) << (4 * k)
				k++
			}
		}
	}
	return t
}()

//go:noescape
func gatherAVX2(idx *int32, xs *float32, room int, x *float32, n, base int) (count, used int)

//go:noescape
func dotsAVX512(dst *float32, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func dots4AVX512(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)

var (
	avx2Kernels   = &kernelSet{name: "avx2", dotsBody: dotsAVX2, dots4Body: dots4AVX2, f16to32Body: f16to32AVX2, expsBody: expsAVX2, projectBody: projectAVX2, gatherBody: gatherAVX2}
	avx512Kernels = &kernelSet{name: "avx512", dotsBody: dotsAVX512, dots4Body: dots4AVX512, f16to32Body: f16to32AVX2, expsBody: expsAVX2, projectBody: projectAVX2, gatherBody: gatherAVX2}
)

// hasAVX2 needs F16C for VCVTPH2PS, FMA for VFMADD231PS and POPCNT for
// gatherAVX2 besides AVX2 (x/sys/cpu sets these only when the OS saves the
// YMM state).
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C && cpu.X86.HasPOPCNT
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
