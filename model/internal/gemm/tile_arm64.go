//go:build !noasm

package gemm

import "golang.org/x/sys/cpu"

// product8x8NEON computes an 8 x 8 block of the product: all MR rows of each
// step, positions b[offs[k] .. +8], into sum with row stride ldsum. k must be
// at least 1.
//
//go:noescape
func product8x8NEON(k int, a, b *float32, offs *int32, sum *float32, ldsum int)

var (
	compute    = computeGeneric
	kernelName = "generic"
	// Spreading is memmove-bound; Go's copy is already NEON there.
	spread = spreadGeneric
)

func init() {
	// ASIMD is mandatory in ARMv8-A; the check keeps an odd emulator honest.
	if cpu.ARM64.HasASIMD {
		compute, kernelName = computeNEON, "neon"
	}
}

// kernels lists every fused kernel this machine can run, for tests.
func kernels() []namedKernel {
	ks := []namedKernel{{"generic", computeGeneric}}
	if cpu.ARM64.HasASIMD {
		ks = append(ks, namedKernel{"neon", computeNEON})
	}
	return ks
}

func productNEON(sum []float32, a, b []float32, offs []int32, nr int) {
	if len(offs) == 0 {
		clear(sum[:MR*nr])
		return
	}
	for p0 := 0; p0 < nr; p0 += 8 {
		product8x8NEON(len(offs), &a[0], &b[p0], &offs[0], &sum[p0], nr)
	}
}

func computeNEON(t *Tile) {
	var sum [MR * MaxNR]float32
	productNEON(sum[:], t.A, t.B, t.Offs.offs, t.NR)
	epilogue(t, &sum)
}

// storeRunNEON is storeRunGo on quads*4 values (epilogue_arm64.s); relu is
// all ones or zero.
//
//go:noescape
func storeRunNEON(dst, src, res *float32, quads int, bias float32, relu uint32)

// storeRun is the epilogue's run: whole quads in NEON, the rest in Go.
func storeRun(dst, src, res []float32, bias float32, relu bool) {
	n := len(dst) &^ 3
	if n > 0 {
		src = src[:len(dst)]
		var rp *float32
		if res != nil {
			res = res[:len(dst)]
			rp = &res[0]
		}
		var mask uint32
		if relu {
			mask = ^uint32(0)
		}
		storeRunNEON(&dst[0], &src[0], rp, n/4, bias, mask)
		if res != nil {
			res = res[n:]
		}
	}
	storeRunGo(dst[n:], src[n:], res, bias, relu)
}
