package cache

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// Projection maps a raw key x (length Cols) to W (x - Mean) (length Rows)
// before normalisation, e.g. a PCA basis fitted to reduce keys. Mean is nil
// (no centring) or Cols float32 values.
//
// W is stored transposed, as fp16 bit patterns like the keys: WT holds Cols
// rows of Rows values, row j being what raw value j adds to the projected
// key. That order lets a query skip its zeros: ReLU taps are mostly zero (63%
// of the values of ResNet32's Cache3 keys), a zero adds nothing, so a lookup
// reads only the rows of the non-zero values, about a third of a matrix that
// is most of a fitted cache's bytes (3 of the 4 MiB of ResNet32's 4 MiB
// cache). fp16 halves the matrix against float32: on a board a 64 x 12,288
// projection is 1.5 MiB, room for 11,500 more 64-value items.
type Projection struct {
	Rows, Cols int
	WT         []uint16
	Mean       []float32
}

// NewProjection rounds a float32 Rows x Cols matrix (row-major, as a PCA
// gives its directions) to fp16 for a Projection; mean may be nil.
func NewProjection(rows, cols int, w, mean []float32) (*Projection, error) {
	if rows < 1 || cols < 1 || len(w) != rows*cols {
		return nil, fmt.Errorf("cache: projection matrix of %d values for %dx%d", len(w), rows, cols)
	}
	if mean != nil && len(mean) != cols {
		return nil, fmt.Errorf("cache: projection mean of %d values for %d columns", len(mean), cols)
	}
	p := &Projection{Rows: rows, Cols: cols, WT: make([]uint16, len(w))}
	for i, v := range w {
		if !finite(v) || math.Abs(float64(v)) > 65504 {
			return nil, fmt.Errorf("cache: projection value %d is %v (fp16 cannot hold it)", i, v)
		}
		r, c := i/cols, i%cols
		p.WT[c*rows+r] = f16.Encode(v)
	}
	if mean != nil {
		p.Mean = append([]float32(nil), mean...)
	}
	return p, nil
}

// At is W's value at row r, column c.
func (p *Projection) At(r, c int) float32 { return f16.Decode(p.WT[c*p.Rows+r]) }

// Leading returns the projection onto the first d of p's rows (for a PCA
// basis, the d leading directions) in new storage.
func (p *Projection) Leading(d int) (*Projection, error) {
	if d < 1 || d > p.Rows {
		return nil, fmt.Errorf("cache: leading %d of %d projection rows", d, p.Rows)
	}
	q := &Projection{Rows: d, Cols: p.Cols, WT: make([]uint16, d*p.Cols), Mean: p.Mean}
	for c := 0; c < p.Cols; c++ {
		copy(q.WT[c*d:(c+1)*d], p.WT[c*p.Rows:])
	}
	return q, nil
}

// projectChunk is how many non-zero raw values project gathers before handing
// them to the kernel: half a lookup block (their positions take the other
// half), in L1 on any board, and enough that the kernel calls cost little
// against the rows they read.
const projectChunk = lookupBlock / 2

// project writes W x into dst (Rows values), for the raw key x given as
// consecutive segments (the taps, or the pooled raw key), reading W's rows
// only for x's non-zero values. The mean is the caller's: subtracting it
// first makes every value non-zero.
func (p *Projection) project(ks *kernelSet, dst []float32, sc *keyScratch, segs ...[]float32) {
	clear(dst)
	idx, xs := sc.idx, sc.xs
	n, col := 0, 0
	for _, seg := range segs {
		for j := 0; j < len(seg); {
			if n > projectChunk-8 {
				done := n &^ 3 // the kernels take terms in fours; the rest wait
				p.accumulate(ks, dst, idx[:done], xs[:done])
				copy(xs[:], xs[done:n])
				n = copy(idx[:], idx[done:n])
			}
			c, used := gather(ks, idx[n:], xs[n:], seg[j:], col+j)
			n, j = n+c, j+used
		}
		col += len(seg)
	}
	for n%4 != 0 { // the kernels take terms in fours; a zero term adds nothing
		idx[n], xs[n] = 0, 0
		n++
	}
	if n > 0 {
		p.accumulate(ks, dst, idx[:n], xs[:n])
	}
}

// accumulate adds xs[k] * W[:, idx[k]] to dst for every k (len(idx) a
// multiple of 4), through the kernel for the first multiple of 8 rows.
func (p *Projection) accumulate(ks *kernelSet, dst []float32, idx []int32, xs []float32) {
	rows := p.Rows
	body := rows &^ 7
	if ks.projectBody != nil && body > 0 {
		ks.projectBody(&dst[0], &p.WT[0], &idx[0], &xs[0], len(idx), rows, body)
	} else {
		body = 0
	}
	if body < rows {
		projectGeneric(dst, p.WT, idx, xs, rows, body)
	}
}

// projectGeneric is the pure-Go twin of the projectBody kernels, for rows
// from..rows-1: dst[c] += sum over k of xs[k] * h(wt[idx[k]*rows + c]), the
// terms taken in the kernels' order (four at a time, pairs summed first).
func projectGeneric(dst []float32, wt []uint16, idx []int32, xs []float32, rows, from int) {
	out := dst[from:rows]
	for k := 0; k+4 <= len(idx); k += 4 {
		x0, x1, x2, x3 := xs[k], xs[k+1], xs[k+2], xs[k+3]
		r0 := wt[int(idx[k])*rows+from : (int(idx[k])+1)*rows]
		r1 := wt[int(idx[k+1])*rows+from : (int(idx[k+1])+1)*rows]
		r2 := wt[int(idx[k+2])*rows+from : (int(idx[k+2])+1)*rows]
		r3 := wt[int(idx[k+3])*rows+from : (int(idx[k+3])+1)*rows]
		for c := range out {
			a := x0*f16.Decode(r0[c]) + x1*f16.Decode(r1[c])
			b := x2*f16.Decode(r2[c]) + x3*f16.Decode(r3[c])
			out[c] += a + b
		}
	}
}

// gather appends the non-zero values of x and their positions (base + j)
// to xs and idx, eight values at a time while eight slots are free (then the
// last len(x) % 8 if they fit), and returns how many it appended and how many
// values of x it read. NaN and Inf count as non-zero, so normalize refuses
// the key.
func gather(ks *kernelSet, idx []int32, xs []float32, x []float32, base int) (count, used int) {
	body := len(x) &^ 7
	if ks.gatherBody != nil && body > 0 && len(idx) >= 8 {
		count, used = ks.gatherBody(&idx[0], &xs[0], len(idx), &x[0], body, base)
	} else {
		count, used = gatherGeneric(idx, xs, x[:body], base)
	}
	if used == body && len(idx)-count >= len(x)-body {
		for j := body; j < len(x); j++ {
			if x[j] != 0 {
				idx[count], xs[count] = int32(base+j), x[j]
				count++
			}
		}
		used = len(x)
	}
	return count, used
}

// gatherGeneric is the pure-Go twin of the gatherBody kernels (len(x) a
// multiple of 8).
func gatherGeneric(idx []int32, xs []float32, x []float32, base int) (count, used int) {
	for ; used < len(x) && count+8 <= len(idx); used += 8 {
		for j, v := range x[used : used+8] {
			// Written always, kept when v is not zero: no branch to
			// mispredict on the zero pattern.
			idx[count], xs[count] = int32(base+used+j), v
			if v != 0 {
				count++
			}
		}
	}
	return count, used
}
