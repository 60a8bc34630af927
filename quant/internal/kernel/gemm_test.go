package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// guard fills the parts of b and c a Gemm must not touch.
const guard = int32(-0x5a5a5a5b)

// gemmCase is one product: weights a (m x depth), activations b (n rows, ldb
// apart, starting boff into the slice), outputs c (m rows, ldc apart,
// starting coff into the slice).
type gemmCase struct {
	m, depth, n int
	ldb, ldc    int
	boff, coff  int
	a           []int8
	b           []uint8
}

func (g *gemmCase) String() string {
	return fmt.Sprintf("m=%d depth=%d n=%d ldb=%d ldc=%d boff=%d coff=%d", g.m, g.depth, g.n, g.ldb, g.ldc, g.boff, g.coff)
}

func randCase(r *rand.Rand, m, depth, n int) *gemmCase {
	g := &gemmCase{m: m, depth: depth, n: n}
	g.ldb = depth + []int{0, 0, 1, 3, 16, 61}[r.IntN(6)]
	g.ldc = n + []int{0, 0, 1, 5, 16}[r.IntN(5)]
	g.boff = r.IntN(67)
	g.coff = r.IntN(19)
	g.a = make([]int8, m*depth)
	for i := range g.a {
		g.a[i] = int8(r.IntN(255) - 127)
	}
	g.b = make([]uint8, g.boff+(n-1)*g.ldb+depth+r.IntN(5))
	for i := range g.b {
		g.b[i] = uint8(r.Uint32())
	}
	return g
}

// check runs the case on kernel k and compares with gemmRef, including the
// guard values around and between the rows of c.
func (g *gemmCase) check(t *testing.T, k *kernel) {
	t.Helper()
	w, err := packWeights(k, g.m, g.depth, g.a)
	if err != nil {
		t.Fatalf("%s: %v", g, err)
	}
	clen := g.coff + (g.m-1)*g.ldc + g.n + 7
	want := make([]int32, clen)
	got := make([]int32, clen)
	for i := range got {
		got[i], want[i] = guard, guard
	}
	bcopy := append([]uint8(nil), g.b...)
	gemmRef(g.m, g.depth, g.a, g.n, g.b[g.boff:], g.ldb, want[g.coff:], g.ldc)
	w.Gemm(g.n, g.b[g.boff:], g.ldb, got[g.coff:], g.ldc)
	for i := range got {
		if got[i] != want[i] {
			row, col := (i-g.coff)/g.ldc, (i-g.coff)%g.ldc
			t.Fatalf("%s kernel %s: c[%d] (row %d col %d) = %d, want %d", g, w.Kernel(), i, row, col, got[i], want[i])
		}
	}
	for i := range bcopy {
		if bcopy[i] != g.b[i] {
			t.Fatalf("%s kernel %s: b[%d] changed", g, w.Kernel(), i)
		}
	}
}

// kernels lists every kernel this CPU runs; each test forces each in turn.
func kernels(t testing.TB) []*kernel {
	if len(available) == 0 || available[len(available)-1] != generic {
		t.Fatal("available must end with the Go twin")
	}
	return available
}

func TestKernelsListed(t *testing.T) {
	var names []string
	for _, k := range kernels(t) {
		names = append(names, k.name)
	}
	t.Logf("kernels: %s (best %s)", strings.Join(names, ", "), BestKernel())
	if best != available[0] {
		t.Fatalf("best is %s, not the first available", best.name)
	}
}

// The ResNet's shapes and their neighbours, with every n in 1..24 and odd
// sizes up to 1024.
func TestGemmShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ms := []int{1, 2, 3, 4, 5, 7, 10, 16, 32, 64}
	depths := []int{1, 2, 3, 4, 5, 15, 16, 17, 27, 31, 32, 33, 48, 63, 64, 144, 288, 576}
	ns := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 23, 24, 63, 64, 65, 255, 256, 257, 1023, 1024}
	for _, k := range kernels(t) {
		t.Run(k.name, func(t *testing.T) {
			for _, m := range ms {
				for _, depth := range depths {
					n := ns[r.IntN(len(ns))]
					if m*depth*n > 1<<20 {
						n = 1 + r.IntN(max(1, (1<<20)/(m*depth)))
					}
					randCase(r, m, depth, n).check(t, k)
				}
			}
			for n := 1; n <= 24; n++ {
				randCase(r, 1+r.IntN(9), 1+r.IntN(70), n).check(t, k)
			}
		})
	}
}

func TestGemmResNetShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{16, 27, 1024}, {16, 144, 1024}, {32, 144, 256}, {32, 288, 256}, {32, 16, 256},
		{64, 288, 64}, {64, 576, 64}, {64, 32, 64}, {10, 64, 1}}
	for _, k := range kernels(t) {
		t.Run(k.name, func(t *testing.T) {
			for _, s := range shapes {
				n := s[2]
				if testing.Short() {
					n = min(n, 67)
				}
				randCase(r, s[0], s[1], n).check(t, k)
			}
		})
	}
}

// Extreme values: every product at its largest magnitude, of one sign or of
// alternating signs, where a saturating int16 step would go wrong.
func TestGemmExtremes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	weights := map[string]func(i, k int) int8{
		"+127":      func(i, k int) int8 { return 127 },
		"-127":      func(i, k int) int8 { return -127 },
		"alternate": func(i, k int) int8 { return int8(127 - 254*((i+k)&1)) },
		"rows":      func(i, k int) int8 { return int8(127 - 254*(i&1)) },
		"pairs":     func(i, k int) int8 { return int8(127 - 254*((k>>1)&1)) },
		"0/127":     func(i, k int) int8 { return int8(127 * (k & 1)) },
	}
	acts := map[string]func(j, k int) uint8{
		"255":   func(j, k int) uint8 { return 255 },
		"0":     func(j, k int) uint8 { return 0 },
		"128":   func(j, k int) uint8 { return 128 },
		"127":   func(j, k int) uint8 { return 127 },
		"0/255": func(j, k int) uint8 { return uint8(255 * ((j + k) & 1)) },
	}
	for _, k := range kernels(t) {
		for wn, wf := range weights {
			for xn, xf := range acts {
				for _, s := range [][3]int{{16, 576, 9}, {5, 33, 7}, {4, 4096, 4}, {64, 27, 5}} {
					g := randCase(r, s[0], s[1], s[2])
					for i := range g.a {
						g.a[i] = wf(i/g.depth, i%g.depth)
					}
					for j := 0; j < g.n; j++ {
						for kk := 0; kk < g.depth; kk++ {
							g.b[g.boff+j*g.ldb+kk] = xf(j, kk)
						}
					}
					t.Run(k.name+"/"+wn+"/"+xn, func(t *testing.T) { g.check(t, k) })
				}
			}
		}
	}
}

func TestPackWeightsErrors(t *testing.T) {
	for _, tc := range []struct {
		m, depth int
		a        []int8
		want     string
	}{
		{0, 4, make([]int8, 4), "0x4"},
		{2, 0, nil, "2x0"},
		{2, 3, make([]int8, 5), "5 weights"},
		{1, 3, []int8{1, -128, 3}, "weight 1 is -128"},
		{math.MaxInt / 2, math.MaxInt / 2, make([]int8, 8), "8 weights"},
	} {
		_, err := PackWeights(tc.m, tc.depth, tc.a)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "kernel: ") {
			t.Errorf("PackWeights(%d, %d, %d values) = %v, want an error with %q", tc.m, tc.depth, len(tc.a), err, tc.want)
		}
	}
}

func TestGemmPanicsOnShortSlices(t *testing.T) {
	w, err := PackWeights(4, 16, make([]int8, 64))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"short b":  func() { w.Gemm(4, make([]uint8, 63), 16, make([]int32, 16), 4) },
		"short c":  func() { w.Gemm(4, make([]uint8, 64), 16, make([]int32, 15), 4) },
		"ldc < n":  func() { w.Gemm(4, make([]uint8, 64), 16, make([]int32, 16), 3) },
		"ldb < 0":  func() { w.Gemm(4, make([]uint8, 64), -16, make([]int32, 16), 4) },
		"huge ldb": func() { w.Gemm(3, make([]uint8, 64), math.MaxInt/2, make([]int32, 16), 4) },
		"huge ldc": func() { w.Gemm(4, make([]uint8, 64), 16, make([]int32, 16), math.MaxInt/2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// Gemm allocates nothing for the network's shapes, ragged ones included.
func TestGemmAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, k := range kernels(t) {
		for _, s := range [][3]int{{16, 144, 64}, {10, 64, 1}, {5, 27, 7}} {
			g := randCase(r, s[0], s[1], s[2])
			w, err := packWeights(k, g.m, g.depth, g.a)
			if err != nil {
				t.Fatal(err)
			}
			c := make([]int32, (g.m-1)*g.ldc+g.n)
			if n := testing.AllocsPerRun(10, func() { w.Gemm(g.n, g.b[g.boff:], g.ldb, c, g.ldc) }); n != 0 {
				t.Errorf("kernel %s %v: %v allocations per Gemm", k.name, s, n)
			}
		}
	}
}
