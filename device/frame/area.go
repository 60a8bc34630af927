package frame

import "math"

// axis maps one output axis onto source samples by area. Output j covers
// the source interval [a + j*step, a + (j+1)*step), step = (b - a) / n, and
// source sample i the interval [i, i+1); the sample's weight in output j is
// their overlap over step, so each output's weights sum to 1 and an output
// that covers exactly one sample copies it (weight exactly 1).
type axis struct {
	a, b  float64
	n     int
	start []int     // first source sample of output j
	off   []int     // output j's weights are w[off[j]:off[j+1]]
	w     []float32 // overlap / step
}

// set builds the table for the interval [a, b) and n outputs, reusing the
// previous one when nothing changed and the slices' memory otherwise.
func (ax *axis) set(a, b float64, n int) {
	if ax.start != nil && ax.a == a && ax.b == b && ax.n == n {
		return
	}
	ax.a, ax.b, ax.n = a, b, n
	ax.start, ax.off, ax.w = ax.start[:0], append(ax.off[:0], 0), ax.w[:0]
	step := (b - a) / float64(n)
	for j := 0; j < n; j++ {
		lo, hi := a+float64(j)*step, a+float64(j+1)*step
		if j == n-1 {
			hi = b
		}
		i0, i1 := int(math.Floor(lo)), int(math.Ceil(hi))
		ax.start = append(ax.start, i0)
		for i := i0; i < i1; i++ {
			ov := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			ax.w = append(ax.w, float32(ov/step))
		}
		ax.off = append(ax.off, len(ax.w))
	}
}

// first and end bound the source samples the table reads: [first, end).
func (ax *axis) first() int { return ax.start[0] }
func (ax *axis) end() int   { return ax.start[ax.n-1] + ax.off[ax.n] - ax.off[ax.n-1] }

// row averages one source row: dst[j] = sum of w * row[i] over output j's
// samples. row is indexed in the table's coordinates.
func (ax *axis) row(dst []float32, row []uint8) {
	for j := range dst[:ax.n] {
		w := ax.w[ax.off[j]:ax.off[j+1]]
		src := row[ax.start[j] : ax.start[j]+len(w)]
		var acc float32
		for k, wk := range w {
			acc += wk * float32(src[k])
		}
		dst[j] = acc
	}
}

// column finishes a plane: rows holds the horizontally averaged source rows
// ay.first() .. ay.end()-1, n values each; dst gets the n x n result.
func (ay *axis) column(dst, rows []float32, n int) {
	base := ay.first()
	for i := 0; i < ay.n; i++ {
		w := ay.w[ay.off[i]:ay.off[i+1]]
		out := dst[i*n : (i+1)*n]
		r := (ay.start[i] - base) * n
		w0 := w[0]
		for j, v := range rows[r : r+n] {
			out[j] = w0 * v
		}
		for k := 1; k < len(w); k++ {
			wk := w[k]
			src := rows[r+k*n : r+(k+1)*n]
			for j, v := range src {
				out[j] += wk * v
			}
		}
	}
}

// plane resamples part of an 8-bit plane: the source columns and rows the
// tables ax and ay name, rows stride bytes apart, into n x n values in dst.
// rows is scratch of at least (ay.end()-ay.first())*n values.
func plane(dst []float32, pix []uint8, stride int, ax, ay *axis, rows []float32) {
	n := ax.n
	y0, y1 := ay.first(), ay.end()
	for y := y0; y < y1; y++ {
		ax.row(rows[(y-y0)*n:(y-y0+1)*n], pix[y*stride:])
	}
	ay.column(dst, rows, n)
}
