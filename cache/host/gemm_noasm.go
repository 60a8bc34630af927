//go:build noasm || !amd64

package host

// The host scan has SIMD micro-kernels for amd64 only (it runs on the
// development machine, not the board); elsewhere the twin does the work.

func pickGemm() *gemmKernel { return genericGemm }

func fastGemms() []*gemmKernel { return nil }
