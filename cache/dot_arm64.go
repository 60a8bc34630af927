//go:build !noasm

package cache

// Assembly in dot_arm64.s. FCVTL/FCVTL2 (fp16 -> fp32) and FMLA are part of
// base ARMv8-A Advanced SIMD, which every arm64 CPU has.

//go:noescape
func dotsNEON(dst *float32, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func dots4NEON(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)

//go:noescape
func f16to32NEON(dst *float32, src *uint16, n int)

//go:noescape
func expsNEON(dst, src *float32, n int, theta, m float32)

//go:noescape
func projectNEON(dst *float32, wt *uint16, idx *int32, xs *float32, n, rows, body int)

var neonKernels = &kernelSet{name: "neon", dotsBody: dotsNEON, dots4Body: dots4NEON, f16to32Body: f16to32NEON, expsBody: expsNEON, projectBody: projectNEON}

// preferFP16 makes the start-up choice the half-precision dots where the
// core has FEAT_FP16 (dot_fp16_arm64.go: the Pi 5's A76). The probability
// tests take the kernel's own bound (activeDotBound), and the board program
// gives every test image the class it gives with fp32 dots (README, "Speed").
const preferFP16 = true

func pickKernels() *kernelSet {
	if preferFP16 && hasFP16 {
		return fp16Kernels
	}
	return neonKernels
}

func fastKernels() []*kernelSet {
	if preferFP16 && hasFP16 {
		return []*kernelSet{neonKernels, fp16Kernels}
	}
	return []*kernelSet{neonKernels}
}
