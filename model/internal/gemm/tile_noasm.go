//go:build (!amd64 && !arm64) || noasm

package gemm

var (
	compute    = computeGeneric
	kernelName = "generic"
)

func kernels() []namedKernel { return []namedKernel{{"generic", computeGeneric}} }

var spread = spreadGeneric

// storeRun is the epilogue's run, in Go here.
func storeRun(dst, src, res []float32, bias float32, relu bool) {
	storeRunGo(dst, src, res, bias, relu)
}
