package jpegscale

import "math"

// zigzag[k] is the natural (row-major) index of the k-th coefficient in
// the order a scan codes them: T.81 Figure A.6, walking the anti-diagonals
// alternately up and down, starting rightwards from the DC term.
var zigzag = func() (z [64]uint8) {
	k := 0
	for s := range 15 { // s = row + column
		for i := range s + 1 {
			r := i // even diagonals run up (row falling), odd ones down
			if s%2 == 0 {
				r = s - i
			}
			c := s - r
			if r < 8 && c < 8 {
				z[k] = uint8(8*r + c)
				k++
			}
		}
	}
	return z
}()

// maxFreq is the most frequencies per axis a reducer reads (8 at full
// scale, 7 at 1/2, 5 at 1/4, 1 at 1/8).
const maxFreq = 8

// reducer is the reduced IDCT of one scale: out = M C M^T + 128 on the
// kept frequencies C, M[k][j] the weight of frequency freq[j] in output k
// (newReducer's w).
type reducer struct {
	n    int          // outputs per block side: 8/scale
	nf   int          // frequencies kept per axis
	freq [maxFreq]int // their indices
	// slot[k] for zigzag index k: the coefficient's place in the
	// compact nf x nf block, or -1 if the transform never reads it.
	slot [64]int8
	// basis holds, for each slot, its n x n output pattern (basisOf).
	basis []float32
}

// newReducer builds the tables for 1/scale. Output k of a block side is
// the mean of the full 8-point IDCT (T.81 A.3.3: f(x) = sum over u of
// C(u)/2 F(u) cos((2x+1)u pi/16), C(0) = 1/sqrt 2, else 1) over samples
// x = s*k .. s*k+s-1, which is C(u)/2 F(u) cos((2sk+s)u pi/16) times the
// Dirichlet factor sin(su pi/16) / (s sin(u pi/16)).
func newReducer(scale int) *reducer {
	r := &reducer{n: 8 / scale}
	var w [8][8]float64
	for u := range 8 {
		cu, dir := 1.0, 1.0
		if u == 0 {
			cu = 1 / math.Sqrt2
		} else {
			dir = math.Sin(float64(scale*u)*math.Pi/16) / (float64(scale) * math.Sin(float64(u)*math.Pi/16))
		}
		for k := range r.n {
			w[k][u] = cu / 2 * dir * math.Cos(float64((2*scale*k+scale)*u)*math.Pi/16)
		}
	}
	var col [8]int
	for u := range 8 {
		col[u] = -1
		used := false
		for k := range r.n {
			used = used || math.Abs(w[k][u]) > 1e-9
		}
		if !used {
			continue
		}
		col[u] = r.nf
		r.freq[r.nf] = u
		r.nf++
	}
	nn := r.n * r.n
	r.basis = make([]float32, r.nf*r.nf*nn)
	for v := range r.nf {
		for u := range r.nf {
			b := r.basis[(v*r.nf+u)*nn:]
			for j := range r.n {
				for k := range r.n {
					b[j*r.n+k] = float32(w[j][r.freq[v]] * w[k][r.freq[u]])
				}
			}
		}
	}
	for k, nat := range zigzag {
		r.slot[k] = -1
		if cv, cu := col[nat/8], col[nat%8]; cv >= 0 && cu >= 0 {
			r.slot[k] = int8(cv*r.nf + cu)
		}
	}
	return r
}

var reducers = map[int]*reducer{1: newReducer(1), 2: newReducer(2), 4: newReducer(4), 8: newReducer(8)}

// basisOf returns the n x n output pattern of a coefficient of value 1 in
// compact slot sl: M[j][v] * M[k][u], row-major. Adding value times the
// patterns of a block's non-zero coefficients is the separable transform
// done coefficient by coefficient, which costs n*n multiply-adds per
// non-zero coefficient: cheaper than two passes over the kept frequencies
// for a camera frame's blocks, most of whose coefficients are zero.
func (r *reducer) basisOf(sl int) []float32 {
	nn := r.n * r.n
	return r.basis[sl*nn : sl*nn+nn]
}

// write rounds acc (n x n, before the level shift) into dst, rows stride
// apart.
func (r *reducer) write(dst []uint8, stride int, acc []float32) {
	n := r.n
	for j := range n {
		row := dst[j*stride : j*stride+n]
		a := acc[j*n : j*n+n]
		for k := range row {
			row[k] = clamp(a[k] + 128)
		}
	}
}

// clamp rounds to the nearest level in 0..255.
func clamp(v float32) uint8 {
	v += 0.5
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}
