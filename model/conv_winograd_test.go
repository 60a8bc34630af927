package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model/internal/winograd"
)

// Lavin and Gray's F(2x2, 3x3) matrices, written out again here so that the
// bound below does not trust the code it checks.
var (
	wgBT = [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	wgG  = [4][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	wgAT = [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

// winogradAbs is, for every output of a 3x3 stride-1 convolution, the sum
// the error bound of F(2x2, 3x3) scales with:
//
//	|A^T| (sum over c of (|G| |g_c| |G^T|) . (|B^T| |d_c| |B|)) |A| + |bias| + |res|
//
// in float64: the values each rounding of the transforms and the product
// acts on, taken in absolute value, so that every rounding's error is at
// most u times a part of it (Barabasz et al., ACM TOMS 46(4), 2020, bound the
// error of Winograd convolution with the same products of absolute values).
func winogradAbs(c *Conv, src []float32, h, w int, res []float32) []float64 {
	top, left, _, _ := c.Pads(h, w)
	oh, ow := c.OutSize(h, w)
	out := make([]float64, c.Out*oh*ow)
	at := func(i, y, x int) float64 {
		y, x = y-top, x-left
		if y < 0 || y >= h || x < 0 || x >= w {
			return 0
		}
		return math.Abs(float64(src[(i*h+y)*w+x]))
	}
	for o := 0; o < c.Out; o++ {
		for ty := 0; 2*ty < oh; ty++ {
			for tx := 0; 2*tx < ow; tx++ {
				var m [4][4]float64
				for i := 0; i < c.In; i++ {
					var u, v [4][4]float64
					for a := range 4 {
						for b := range 4 {
							for p := range 3 {
								for q := range 3 {
									u[a][b] += math.Abs(wgG[a][p]) * math.Abs(float64(c.Weight[((o*c.In+i)*3+p)*3+q])) * math.Abs(wgG[b][q])
								}
							}
							for p := range 4 {
								for q := range 4 {
									v[a][b] += math.Abs(wgBT[a][p]) * at(i, 2*ty+p, 2*tx+q) * math.Abs(wgBT[b][q])
								}
							}
							m[a][b] += u[a][b] * v[a][b]
						}
					}
				}
				for a := range 2 {
					for b := range 2 {
						y, x := 2*ty+a, 2*tx+b
						if y >= oh || x >= ow {
							continue
						}
						s := math.Abs(float64(c.Bias[o]))
						for p := range 4 {
							for q := range 4 {
								s += math.Abs(wgAT[a][p]) * m[p][q] * math.Abs(wgAT[b][q])
							}
						}
						k := (o*oh+y)*ow + x
						if res != nil {
							s += math.Abs(float64(res[k]))
						}
						out[k] = s
					}
				}
			}
		}
	}
	return out
}

// gamma is Higham's gamma(n) = n*u / (1 - n*u), u = 2^-24 (Accuracy and
// Stability of Numerical Algorithms, 2nd ed., section 3.1).
func gamma(n int) float64 {
	const u = 1.0 / (1 << 24)
	return float64(n) * u / (1 - float64(n)*u)
}

// winogradTolerance bounds |winoConv - convRef| for output k. Winograd's
// value goes through 2 roundings in the input transform (each V sums 4
// pixels, 2 at a time, twice), 1 in the filter (G g G^T in float64, rounded
// once), In in the product, 4 in the output transform (3 terms, twice), and
// 2 for bias and residual: n = In + 9 roundings, each at most u times a part
// of winogradAbs, so the error is within gamma(In + 9) * winogradAbs (first
// order; +1 for the second-order terms). convRef's own error is within
// gamma(9*In + 2) times the absolute sum of its terms (conv_test.go). The
// two add.
func winogradTolerance(in int, absWino float64, absDirect float32) float64 {
	return gamma(in+10)*absWino + gamma(9*in+2)*float64(absDirect) + 1e-30
}

// Winograd must match convRef within the bound on every 3x3 stride-1 shape
// of the CIFAR ResNets and on odd sizes, uneven padding and channel counts
// that fill no panel, with and without residual and ReLU, in batches; and it
// must write nothing past the outputs.
func TestWinogradMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := []convCase{
		{in: 16, out: 16, size: 32}, // stage 1
		{in: 32, out: 32, size: 16}, // stage 2
		{in: 64, out: 64, size: 8},  // stage 3
		{in: 3, out: 16, size: 32},  // the stem
		{in: 3, out: 5, size: 9},
		{in: 7, out: 13, size: 7},
		{in: 2, out: 9, size: 35}, // more than 16 tiles a row
		{in: 1, out: 1, size: 1},
		{in: 5, out: 8, size: 2},
	}
	for _, sh := range shapes {
		for _, pad := range []Padding{PadSymmetric, PadKerasSame} {
			cc := sh
			cc.k, cc.stride, cc.pad = 3, 1, pad
			cc.batch = 1 + 2*rng.IntN(2)
			cc.residual, cc.relu = rng.IntN(2) == 0, rng.IntN(2) == 0
			if testing.Short() && cc.size >= 16 { // convRef is slow under qemu
				cc.batch = 1
			}
			c := randConv(rng, cc)
			wc := newWinoConv(c, nil)
			checkWinograd(t, rng, cc, wc, c)
			// Again with the other choices and another size: the same
			// convolver plans a new layout.
			cc.residual, cc.relu, cc.size = !cc.residual, !cc.relu, cc.size+1
			checkWinograd(t, rng, cc, wc, c)
			if wc.useRef {
				t.Fatalf("%v: ran on the direct path", cc)
			}
		}
	}
}

func checkWinograd(t *testing.T, rng *rand.Rand, cc convCase, wc *winoConv, c *Conv) {
	t.Helper()
	r := runConv(t, rng, cc, wc, c)
	h := cc.size
	oh, ow := c.OutSize(h, h)
	per, inLen := cc.out*oh*ow, cc.in*h*h
	worst := 0.0
	for b := 0; b < cc.batch; b++ {
		var res []float32
		if r.res != nil {
			res = r.res[b*per : (b+1)*per]
		}
		abs := winogradAbs(c, r.src[b*inLen:(b+1)*inLen], h, h, res)
		for k := range abs {
			i := b*per + k
			d := math.Abs(float64(r.got[i] - r.want[i]))
			tol := winogradTolerance(cc.in, abs[k], r.bound[i])
			if !(d <= tol) {
				t.Fatalf("%v: output %d is %v, convRef %v (|diff| %g > tolerance %g)", cc, i, r.got[i], r.want[i], d, tol)
			}
			worst = max(worst, d/tol)
		}
	}
	t.Logf("%v: largest error %.3f of the bound", cc, worst)
}

// The bound must be tight enough to catch a wrong transform: Winograd with
// one entry of G off by 2^-10 (a typo-sized error) must fail it.
func TestWinogradToleranceCatchesErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cc := convCase{in: 16, out: 16, k: 3, stride: 1, size: 8, batch: 1}
	c := randConv(rng, cc)
	bad := *c
	bad.Weight = append([]float32(nil), c.Weight...)
	bad.Weight[4] *= 1 + 1.0/1024 // one tap of one filter, as a transform slip would
	wc := newWinoConv(&bad, nil)
	src := randSlice(rng, cc.in*64, 1)
	oh, ow := c.OutSize(8, 8)
	got, want := make([]float32, cc.out*oh*ow), make([]float32, cc.out*oh*ow)
	wc.apply(got, src, 1, 8, 8, nil, false)
	convRef(c, want, src, 1, 8, 8, nil, false)
	bound := absConv(c, src, 1, 8, 8, nil)
	abs := winogradAbs(c, src, 8, 8, nil)
	caught := 0
	for k := range want {
		if math.Abs(float64(got[k]-want[k])) > winogradTolerance(cc.in, abs[k], bound[k]) {
			caught++
		}
	}
	if caught == 0 {
		t.Fatal("a weight off by 2^-10 stayed within the Winograd tolerance: the bound is too loose to test anything")
	}
}

// UseDirectConvolutions gives r the direct (implicit GEMM) path for every
// convolution, as on machines without the Winograd transforms in assembly.
func UseDirectConvolutions(r *Runner) {
	direct := func(cv convolver) convolver {
		if w, ok := cv.(*winoConv); ok {
			return w.direct
		}
		return cv
	}
	r.stem = direct(r.stem)
	for s := range r.blocks {
		for b := range r.blocks[s] {
			br := &r.blocks[s][b]
			br.conv1, br.conv2 = direct(br.conv1), direct(br.conv2)
		}
	}
}

// WinogradInUse reports whether NewRunner picks Winograd on this machine.
func WinogradInUse() bool { return winograd.Accelerated() }
