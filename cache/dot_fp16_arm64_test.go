//go:build !noasm

package cache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// unitQuery is a random unit vector of n values, as a lookup's queries are.
func unitQuery(r *rand.Rand, n int) []float32 {
	q := randVec(r, n, 0)
	var s float64
	for _, v := range q {
		s += float64(v) * float64(v)
	}
	for i := range q {
		q[i] = float32(float64(q[i]) / math.Sqrt(s))
	}
	return q
}

// The fp16 kernel equals its Go twin bit for bit, on every body length the
// lookup can hand it, with guards around the output.
func TestDotsFP16EqualsTwin(t *testing.T) {
	if !hasFP16 {
		t.Skip("no FEAT_FP16 on this CPU (qemu: -cpu cortex-a76 or max)")
	}
	r := rand.New(rand.NewPCG(16, 8))
	for _, dim := range testDims {
		body := dim &^ 7
		if body == 0 {
			continue
		}
		for _, n := range []int{1, 2, 5, 17} {
			keys := randKeys(r, n, dim, 1)
			for i := range keys { // keys of unit length, as a cache stores them
				keys[i] = f16.Encode(f16.Decode(keys[i]) / float32(math.Sqrt(float64(dim))))
			}
			q := unitQuery(r, dim)
			q16 := make([]uint16, body)
			f32to16NEON(&q16[0], &q[0], body)
			for i, v := range q16 {
				if want := f16.Encode(q[i]); v != want {
					t.Fatalf("FCVTN of %v gave %#04x, want %#04x", q[i], v, want)
				}
			}
			all, got := guarded(n)
			dotsFP16NEON(&got[0], &keys[0], &q16[0], n, dim, body)
			checkGuards(t, all, n)
			want := make([]float32, n)
			dotsFP16Generic(want, keys, q16, dim, body)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("dim %d key %d: kernel %v, twin %v", dim, i, got[i], want[i])
				}
			}
		}
	}
}

// fma16 against the cases where rounding is decided: exact results, ties
// to even, a tie broken by a term float64 would lose, overflow and
// subnormals.
func TestFMA16(t *testing.T) {
	h := f16.Encode
	for _, c := range []struct {
		a, b, c float32
		want    float32
	}{
		{1, 2, 3, 7},
		{2048, 1, 1, 2048},                   // 2049 ties between 2048 and 2050: even
		{2048, 1, 3, 2052},                   // 2051 ties: to 2052 (even)
		{65504, 1, 8, 65504},                 // below the overflow threshold
		{65504, 1, 16, float32(math.Inf(1))}, // 65520 ties to the even 65536: overflow
		{0, 0x1p-14, 0x1p-10, 0x1p-24},       // the smallest subnormal
		{0, 0x1p-14, 0x1p-11, 0},             // half of it ties to zero
		{2048, 0x1.004p0, 1, 2050},           // 2049.00098: past the tie, up
		{2050, 0x1.004p0, -1, 2048},          // 2048.99902: below the tie, down
	} {
		got := f16.Decode(fma16(h(c.a), h(c.b), h(c.c)))
		if got != c.want {
			t.Errorf("fma16(%v, %v, %v) = %v, want %v", c.a, c.b, c.c, got, c.want)
		}
	}
}

// dotsFP16Bound bounds |fp16 dot - exact dot| for a key k and the query q
// it was given (|q_i| <= 1): u = 2^-11 is fp16's unit roundoff and eta =
// 2^-25 half its subnormal spacing. Rounding q costs at most u|q_i| + eta per
// value; each lane sums m = ceil(body/32) terms through m fused roundings,
// each within u of its partial sum (which is at most the lane's sum of
// |terms|, times 1+u per earlier rounding) plus eta; widening is exact and
// the fp32 tree adds 5 levels, gamma_5 in fp32 (Higham, eq. 3.5).
func dotsFP16Bound(k []uint16, q []float32, body int) float64 {
	const u, eta, u32 = 0x1p-11, 0x1p-25, 0x1p-24
	m := float64((body + 31) / 32)
	var abs, absK float64
	for i := 0; i < body; i++ {
		kv := math.Abs(float64(f16.Decode(k[i])))
		abs += kv * math.Abs(float64(q[i]))
		absK += kv
	}
	qErr := u*abs + eta*absK
	g := m * u / (1 - m*u)
	lanes := (1+u)*abs*g + 32*m*eta
	sum := (1 + u) * (1 + g) * abs
	return qErr + lanes + 5*u32/(1-5*u32)*sum
}

// Against the exact dot in float64, the fp16 path stays within its derived
// bound on unit keys and queries; and on a lookup's scale (theta 85, the
// paper's) the bound is what it costs a term exp(theta s).
func TestDotsFP16Bound(t *testing.T) {
	if !hasFP16 {
		t.Skip("no FEAT_FP16 on this CPU (qemu: -cpu cortex-a76 or max)")
	}
	r := rand.New(rand.NewPCG(16, 9))
	worst := 0.0
	for _, dim := range []int{8, 64, 128, 192, 200} {
		const n = 64
		keys := randKeys(r, n, dim, 0)
		for i := 0; i < n; i++ {
			k := keys[i*dim : (i+1)*dim]
			var s float64
			for _, v := range k {
				s += float64(f16.Decode(v)) * float64(f16.Decode(v))
			}
			for j, v := range k {
				k[j] = f16.Encode(float32(float64(f16.Decode(v)) / math.Sqrt(s)))
			}
		}
		q := unitQuery(r, dim)
		got := make([]float32, n)
		dots(fp16Kernels, got, keys, q)
		for i := range got {
			k := keys[i*dim : (i+1)*dim]
			var exact float64
			for j, v := range k {
				exact += float64(f16.Decode(v)) * float64(q[j])
			}
			err := math.Abs(float64(got[i]) - exact)
			b := dotsFP16Bound(k, q, dim&^7) + dotBound(k[dim&^7:], q[dim&^7:])
			if err > b {
				t.Fatalf("dim %d key %d: error %g past the bound %g", dim, i, err, b)
			}
			worst = max(worst, err)
		}
	}
	t.Logf("largest error %.2g: at theta 85 a term exp(theta s) moves by at most %.2f%%", worst, 100*(math.Exp(85*worst)-1))
}

// A query with a value past [-1, 1] takes the fp32 kernel: same result as
// the neon set, bit for bit.
func TestDotsFP16FallsBack(t *testing.T) {
	if !hasFP16 {
		t.Skip("no FEAT_FP16 on this CPU")
	}
	r := rand.New(rand.NewPCG(16, 10))
	const n, dim = 9, 64
	keys := randKeys(r, n, dim, 0)
	q := unitQuery(r, dim)
	q[5] = 3
	a, b := make([]float32, n), make([]float32, n)
	dots(fp16Kernels, a, keys, q)
	dots(neonKernels, b, keys, q)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("key %d: %v, want the fp32 kernel's %v", i, a[i], b[i])
		}
	}
}
