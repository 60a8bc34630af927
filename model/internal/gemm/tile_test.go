package gemm

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model/cputime"
)

const guard = -12345.678

// unit is the unit roundoff of float32.
const unit = 1.0 / (1 << 24)

// tolerance bounds |fast - twin| for one output: each of them differs from the
// exact sum by at most gamma(n) * sum|terms| (Higham, Accuracy and Stability
// of Numerical Algorithms, 2nd ed., eq. 3.5, for any order of summation, FMA
// or not), with n = K products plus bias plus residual; the two errors can add.
func tolerance(k int, absSum float32) float64 {
	n := float64(k + 2)
	return 2*n*unit/(1-n*unit)*float64(absSum) + 1e-30
}

type tileCase struct {
	t       Tile
	cbuf    []float32 // C with guards: C = cbuf[pre:]
	pre     int
	absTile Tile
}

func randTile(rng *rand.Rand, k, nr int, withRes, relu bool) tileCase {
	offs := make([]int32, k)
	span := 3*nr + rng.IntN(200)
	for i := range offs {
		offs[i] = int32(rng.IntN(span))
	}
	o, err := NewOffsets(offs)
	if err != nil {
		panic(err)
	}
	b := make([]float32, o.Max()+nr+rng.IntN(3))
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	a := make([]float32, k*MR+rng.IntN(5))
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	var mask uint64
	switch rng.IntN(4) {
	case 0:
		mask = 1<<uint(nr) - 1
	default:
		mask = rng.Uint64() & (1<<uint(nr) - 1)
	}
	if nr == 64 {
		mask = rng.Uint64()
	}
	n := bits.OnesCount64(mask)
	rows := MR
	if rng.IntN(3) == 0 {
		rows = 1 + rng.IntN(MR)
	}
	ldc := n + rng.IntN(9)
	off := rng.IntN(7)
	pre := 1 + rng.IntN(17)
	cbuf := make([]float32, pre+(rows-1)*ldc+off+n+1+rng.IntN(20))
	for i := range cbuf {
		cbuf[i] = guard
	}
	bias := make([]float32, MR)
	for i := range bias {
		bias[i] = float32(rng.NormFloat64())
	}
	var res []float32
	if withRes {
		res = make([]float32, (rows-1)*ldc+off+n)
		for i := range res {
			res[i] = float32(rng.NormFloat64())
		}
	}
	t := Tile{A: a, B: b, Offs: o, NR: nr, Mask: mask, Rows: rows, C: cbuf[pre:], LDC: ldc, Off: off, Bias: bias, Res: res, ReLU: relu}
	abs := func(x []float32) []float32 {
		if x == nil {
			return nil
		}
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
		return y
	}
	at := t
	at.A, at.B, at.Bias, at.Res, at.ReLU = abs(a), abs(b), abs(bias), abs(res), false
	at.C = make([]float32, len(t.C))
	return tileCase{t: t, cbuf: cbuf, pre: pre, absTile: at}
}

// Every kernel must match the Go twin within tolerance on the real positions
// and leave every other value of C (guards between and around rows) alone.
func TestKernelsMatchTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kern := range kernels() {
		for nr := Step; nr <= MaxNR; nr += Step {
			for _, k := range []int{0, 1, 2, 3, 7, 27, 145, 577} {
				for iter := 0; iter < 6; iter++ {
					tc := randTile(rng, k, nr, iter%2 == 1, iter%3 != 0)
					want := append([]float32(nil), tc.cbuf...)
					wt := tc.t
					wt.C = want[tc.pre:]
					Compute(&wt) // validates, then runs the dispatched kernel...
					copy(want, tc.cbuf)
					computeGeneric(&wt) // ...but the reference is the twin itself
					computeGeneric(&tc.absTile)
					kern.fn(&tc.t)
					got := tc.cbuf
					for i := range got {
						w, g := want[i], got[i]
						if w == guard || g == guard {
							if w != g {
								t.Fatalf("%s nr %d k %d: value %d is %v, want %v (guard overwritten or output missing)", kern.name, nr, k, i, g, w)
							}
							continue
						}
						j := i - tc.pre
						tol := tolerance(k, tc.absTile.C[j])
						if d := math.Abs(float64(g - w)); d > tol || math.IsNaN(float64(g)) {
							t.Fatalf("%s nr %d k %d: value %d is %v, twin %v (|diff| %g > %g)", kern.name, nr, k, j, g, w, d, tol)
						}
					}
				}
			}
		}
	}
}

// ReLU must keep NaN (as convRef does: NaN < 0 is false) and clamp -Inf.
func TestKernelsReLUSpecialValues(t *testing.T) {
	for _, kern := range kernels() {
		tile := Tile{A: make([]float32, MR), B: make([]float32, Lanes), Offs: mustOffsets(0), NR: Lanes,
			Mask: 0b111, Rows: MR, C: make([]float32, MR*3), LDC: 3, Bias: make([]float32, MR), ReLU: true}
		for r := 0; r < MR; r++ {
			tile.A[r] = 1
		}
		tile.B[0], tile.B[1], tile.B[2] = float32(math.NaN()), float32(math.Inf(-1)), -2
		kern.fn(&tile)
		for r := 0; r < MR; r++ {
			row := tile.C[r*3 : r*3+3]
			if !math.IsNaN(float64(row[0])) || row[1] != 0 || row[2] != 0 {
				t.Fatalf("%s: relu(NaN, -Inf, -2) = %v", kern.name, row)
			}
		}
	}
}

func TestComputeRejectsBadTiles(t *testing.T) {
	good := func() Tile {
		return Tile{A: make([]float32, 2*MR), B: make([]float32, 20), Offs: mustOffsets(0, 4), NR: Lanes,
			Mask: 0xffff, Rows: MR, C: make([]float32, 7*16+16), LDC: 16, Bias: make([]float32, MR)}
	}
	if err := func() Tile { x := good(); return x }(); err.check() != nil {
		t.Fatalf("good tile refused: %v", err.check())
	}
	for name, spoil := range map[string]func(*Tile){
		"nr":       func(t *Tile) { t.NR = 20 },
		"nr0":      func(t *Tile) { t.NR = 0 },
		"nrbig":    func(t *Tile) { t.NR = MaxNR + Step },
		"mask":     func(t *Tile) { t.Mask = 1 << 20 },
		"panel":    func(t *Tile) { t.A = t.A[:MR] },
		"input":    func(t *Tile) { t.B = t.B[:19] },
		"bias":     func(t *Tile) { t.Bias = t.Bias[:3] },
		"dst":      func(t *Tile) { t.C = t.C[:7*16+15] },
		"residual": func(t *Tile) { t.Res = make([]float32, 10) },
		"off":      func(t *Tile) { t.Off = -1 },
		"rows0":    func(t *Tile) { t.Rows = 0 },
		"rows9":    func(t *Tile) { t.Rows = MR + 1 },
	} {
		x := good()
		spoil(&x)
		if x.check() == nil {
			t.Errorf("%s: bad tile accepted", name)
		}
	}
	if _, err := NewOffsets([]int32{3, -1}); err == nil {
		t.Error("negative offset accepted")
	}
	o := mustOffsets(3, 9, 2)
	if o.Len() != 3 || o.Max() != 9 {
		t.Errorf("offsets len %d max %d, want 3 and 9", o.Len(), o.Max())
	}
}

// BenchmarkKernel reports GFLOP/s (2 per multiply-add) of a full tile with
// the K of ResNet's stage-3 convolution.
func BenchmarkKernel(b *testing.B) {
	for _, kern := range kernels() {
		for _, nr := range []int{Step, Lanes, 3 * Step, 2 * Lanes, 5 * Step, 3 * Lanes} {
			b.Run(fmt.Sprintf("%s/nr%d", kern.name, nr), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(3, 4))
				tc := randTile(rng, 576, nr, true, true)
				tc.t.Mask, tc.t.Rows = 1<<uint(nr)-1, MR
				tc.t.LDC = nr
				tc.t.Off = 0
				tc.t.C = make([]float32, MR*nr)
				tc.t.Res = make([]float32, MR*nr)
				cpu0 := cputime.Self()
				for b.Loop() {
					kern.fn(&tc.t)
				}
				cpu := cputime.Self() - cpu0
				flops := 2.0 * 576 * MR * float64(nr) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu > 0 {
					b.ReportMetric(flops/cpu.Seconds()/1e9, "cpu-GFLOP/s")
				}
			})
		}
	}
}

func mustOffsets(offs ...int32) Offsets {
	o, err := NewOffsets(offs)
	if err != nil {
		panic(err)
	}
	return o
}
