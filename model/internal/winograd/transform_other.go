//go:build !amd64 || noasm

package winograd

// Accelerated reports whether the transforms run in assembly on this
// machine; where they do not, the direct convolution is the faster path.
func Accelerated() bool { return false }

func input(v, pad []float32, g *Geometry, ty0, ty1 int) { inputGeneric(v, pad, g, ty0, ty1) }

func output(dst, m, bias, res []float32, relu bool, g *Geometry, ty0, ty1 int) {
	outputGeneric(dst, m, bias, res, relu, g, ty0, ty1)
}

func product(m []float32, f *Filter, v []float32, g *Geometry, q0, n int) {
	productGeneric(m, f, v, g, q0, n)
}
