package cache

import "github.com/edgecache/edgecache/cache/internal/f16"

// The lookup kernels. Every one has the same contract on every path:
//
//	dotsBody(dst, keys, q, n, dim, body):   dst[i] = sum over k < body of h(keys[i*dim+k]) * q[k], i < n
//	dots4Body(dst, ldd, keys, q, n, dim, body): the same for four queries q[j*dim:], results in dst[j*ldd+i]
//	f16to32Body(dst, src, n):                dst[i] = h(src[i]) exactly, i < n
//	projectBody(dst, wt, idx, xs, n, rows, body): dst[c] += sum over k < n of xs[k] * h(wt[idx[k]*rows+c]), c < body
//	gatherBody(idx, xs, room, x, n, base):    gatherGeneric's appends, n a multiple of 8, room >= 8
//
// where h is the IEEE fp16 -> fp32 conversion (exact: every fp16 value is a
// float32) and body is a multiple of 8 (n for f16to32Body; projectBody's n is
// a multiple of 4, its terms taken four at a time as projectGeneric does).
// Accumulation is fp32; the summation order is the kernel's own. The wrappers below add the
// last dim % 8 terms in Go, so callers never see the body.

// kernelSet is one implementation of the lookup kernels.
type kernelSet struct {
	name        string
	dotsBody    func(dst *float32, keys *uint16, q *float32, n, dim, body int)
	dots4Body   func(dst *float32, ldd int, keys *uint16, q *float32, n, dim, body int)
	f16to32Body func(dst *float32, src *uint16, n int)
	expsBody    func(dst, src *float32, n int, theta, m float32)                           // see exps.go
	projectBody func(dst *float32, wt *uint16, idx *int32, xs *float32, n, rows, body int) // see projection.go
	gatherBody  func(idx *int32, xs *float32, room int, x *float32, n, base int) (count, used int)
}

// kernels is the set chosen at start-up for this CPU (see dot_amd64.go,
// dot_arm64.go, dot_noasm.go); generic is the pure-Go twin every fast set is
// tested against.
var kernels = pickKernels()

// Kernel names the lookup kernels in use ("generic", "avx2", "avx512",
// "neon"), for logs and benchmark labels.
func Kernel() string { return kernels.name }

// dots computes dst[i] = q . key i for i < len(dst), with keys len(dst) rows of
// len(q) fp16 values.
func dots(ks *kernelSet, dst []float32, keys []uint16, q []float32) {
	n, dim := len(dst), len(q)
	if n == 0 || dim == 0 {
		clear(dst)
		return
	}
	_ = keys[n*dim-1]
	body := dim &^ 7
	if ks.dotsBody == nil || body == 0 {
		dotsGeneric(dst, keys, q)
		return
	}
	ks.dotsBody(&dst[0], &keys[0], &q[0], n, dim, body)
	if body < dim {
		for i := range dst {
			dst[i] += dotTail(keys[i*dim+body:(i+1)*dim], q[body:])
		}
	}
}

// dots4 computes the dots of four queries (q holds 4 rows of dim) with n keys:
// dst[j*ldd+i] = q_j . key i.
func dots4(ks *kernelSet, dst []float32, ldd int, keys []uint16, q []float32, n, dim int) {
	if n == 0 {
		return
	}
	if dim == 0 {
		for j := 0; j < 4; j++ {
			clear(dst[j*ldd : j*ldd+n])
		}
		return
	}
	_ = keys[n*dim-1]
	_ = q[4*dim-1]
	_ = dst[3*ldd+n-1]
	body := dim &^ 7
	if ks.dots4Body == nil || body == 0 {
		for j := 0; j < 4; j++ {
			dotsGeneric(dst[j*ldd:j*ldd+n], keys, q[j*dim:(j+1)*dim])
		}
		return
	}
	ks.dots4Body(&dst[0], ldd, &keys[0], &q[0], n, dim, body)
	if body < dim {
		for j := 0; j < 4; j++ {
			qt := q[j*dim+body : (j+1)*dim]
			d := dst[j*ldd : j*ldd+n]
			for i := range d {
				d[i] += dotTail(keys[i*dim+body:(i+1)*dim], qt)
			}
		}
	}
}

// f16to32 converts len(dst) fp16 values exactly.
func f16to32(ks *kernelSet, dst []float32, src []uint16) {
	n := len(dst)
	src = src[:n]
	body := n &^ 7
	if ks.f16to32Body != nil && body > 0 {
		ks.f16to32Body(&dst[0], &src[0], body)
	} else {
		body = 0
	}
	for i := body; i < n; i++ {
		dst[i] = f16.Decode(src[i])
	}
}

func dotTail(k []uint16, q []float32) float32 {
	var s float32
	for i, v := range k {
		s += f16.Decode(v) * q[i]
	}
	return s
}
