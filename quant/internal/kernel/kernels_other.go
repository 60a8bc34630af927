//go:build (!amd64 && !arm64 && !arm.7) || noasm

package kernel

// available: only the Go twin on this architecture or with the noasm tag.
var available = []*kernel{generic}

// runTiles is never called: no kernel here has an assembly id.
func runTiles(id int, a *byte, corr *int32, blocks, rem int, shuf *byte, b *uint8, ldb, groups int, c *int32, ldc int) {
	panic("kernel: no assembly kernels in this build")
}

// runRequantTiles is never called: no kernel here has a fused epilogue.
func runRequantTiles(id int, a *byte, blocks, rem int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool) {
	panic("kernel: no fused assembly kernels in this build")
}

// hasAddAsm: Add.Run uses its Go twin here.
const hasAddAsm = false

func addAsm(dst, x, y *uint8, blocks int, a *Add) { panic("kernel: no assembly add in this build") }

// hasRequantAsm: GemmRequant's unfused epilogue is Go here.
const hasRequantAsm = false

func requantAsm(acc *int32, nc int, dst *uint8, ldd int, vec *int32, groups int, lim *int32, quads int) {
	panic("kernel: no assembly requantization in this build")
}

// hasNormalizeAsm: Normalize uses its Go twin here.
const hasNormalizeAsm = false

func normalizeAsm(dst *uint8, src *float32, mean, std *float64, blocks int, k *[2]float64) {
	panic("kernel: no assembly normalization in this build")
}
