//go:build (!amd64 && !arm64) || noasm

package gemm

var (
	compute    = computeGeneric
	kernelName = "generic"
)

func kernels() []namedKernel { return []namedKernel{{"generic", computeGeneric}} }

var spread = spreadGeneric
