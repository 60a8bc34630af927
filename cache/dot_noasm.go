//go:build noasm || !(amd64 || arm64)

package cache

func pickKernels() *kernelSet { return generic }

// fastKernels lists the SIMD sets this CPU can run (tests compare each with
// the twin).
func fastKernels() []*kernelSet { return nil }
