package host

import "github.com/edgecache/edgecache/cache/internal/f16"

// gemmKernel is one micro-kernel of the host similarity scan:
//
//	c[i*ldc+j] += sum over k < kc of a[k*mr+i] * b[k*nr+j],  i < mr, j < nr
//
// a holds kc steps of mr query values (float32), b kc steps of nr key values
// (fp16 bit patterns, converted exactly inside the kernel), both packed by
// gemm.go; fn nil means the pure-Go twin gemmGeneric.
type gemmKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a *float32, b *uint16, c *float32, ldc int)
}

var genericGemm = &gemmKernel{name: "generic", mr: 4, nr: 8}

// gemmGeneric is the twin: the same sums in the same order per output (k
// ascending, one fp32 accumulator each), with separate multiply and add where
// the SIMD kernels fuse them.
func gemmGeneric(mr, nr, kc int, a []float32, b []uint16, c []float32, ldc int) {
	var acc [16 * 32]float32
	t := acc[:mr*nr]
	for k := 0; k < kc; k++ {
		ak := a[k*mr : (k+1)*mr]
		bk := b[k*nr : (k+1)*nr]
		var bf [32]float32
		for j, h := range bk {
			bf[j] = f16.Decode(h)
		}
		for i, av := range ak {
			row := t[i*nr : (i+1)*nr]
			for j, bv := range bf[:nr] {
				row[j] += av * bv
			}
		}
	}
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			row[j] += t[i*nr+j]
		}
	}
}
