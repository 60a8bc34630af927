//go:build !noasm

package gemm

import "golang.org/x/sys/cpu"

// avx512Args is what tileAVX512 reads; the offsets in tile_amd64.s follow
// this field order (8 bytes each).
type avx512Args struct {
	a    *float32
	b    *float32
	offs *int32
	k    int
	c    *float32
	ldc  int
	bias *float32
	res  *float32
	relu int
	nv   int // NR / 8
	mask uint64
	off  int
	rows int
}

// tileAVX512 is the fused kernel: product, bias, VCOMPRESSPS of the real
// lanes, residual, ReLU and masked stores.
//
//go:noescape
func tileAVX512(t *avx512Args)

// product4x8AVX2 is product4x16AVX2 for 8 positions.
//
//go:noescape
func product4x8AVX2(k int, a, b *float32, offs *int32, sum *float32, ldsum int)

// product4x16AVX2 computes a 4 x 16 block of the product: rows a[0..3] of
// each MR-wide step, positions b[offs[k] .. +16], into sum with row stride
// ldsum. k must be at least 1.
//
//go:noescape
func product4x16AVX2(k int, a, b *float32, offs *int32, sum *float32, ldsum int)

// spreadAVX512 is Spread for checked arguments, all positive.
//
//go:noescape
func spreadAVX512(dst, src *float32, groups, rows, w, rowStride, groupStride int)

var (
	compute    = computeGeneric
	kernelName = "generic"
	spread     = spreadGeneric
)

func init() {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL:
		compute, kernelName = computeAVX512, "avx512"
		spread = func(dst, src []float32, groups, rows, w, rowStride, groupStride int) {
			spreadAVX512(&dst[0], &src[0], groups, rows, w, rowStride, groupStride)
		}
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		compute, kernelName = computeAVX2, "avx2"
	}
}

// kernels lists every fused kernel this machine can run, for tests.
func kernels() []namedKernel {
	ks := []namedKernel{{"generic", computeGeneric}}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, namedKernel{"avx2", computeAVX2})
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		ks = append(ks, namedKernel{"avx512", computeAVX512})
	}
	return ks
}

func computeAVX512(t *Tile) {
	a := avx512Args{
		k: t.Offs.Len(), c: &t.C[0], ldc: t.LDC, bias: &t.Bias[0],
		nv: t.NR / 8, mask: t.Mask, off: t.Off, b: &t.B[0], rows: t.Rows,
	}
	if a.k > 0 {
		a.a, a.offs = &t.A[0], &t.Offs.offs[0]
	}
	if t.Res != nil {
		a.res = &t.Res[0]
	}
	if t.ReLU {
		a.relu = 1
	}
	tileAVX512(&a)
}

func productAVX2(sum []float32, a, b []float32, offs []int32, nr int) {
	if len(offs) == 0 {
		clear(sum[:MR*nr])
		return
	}
	for r0 := 0; r0 < MR; r0 += 4 {
		p0 := 0
		for ; p0+Lanes <= nr; p0 += Lanes {
			product4x16AVX2(len(offs), &a[r0], &b[p0], &offs[0], &sum[r0*nr+p0], nr)
		}
		if p0 < nr {
			product4x8AVX2(len(offs), &a[r0], &b[p0], &offs[0], &sum[r0*nr+p0], nr)
		}
	}
}

func computeAVX2(t *Tile) {
	var sum [MR * MaxNR]float32
	productAVX2(sum[:], t.A, t.B, t.Offs.offs, t.NR)
	epilogue(t, &sum)
}

// storeRun is the epilogue's run, in Go here.
func storeRun(dst, src, res []float32, bias float32, relu bool) {
	storeRunGo(dst, src, res, bias, relu)
}
