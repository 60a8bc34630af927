package cache

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache/internal/cachetest/keygen"
	"github.com/edgecache/edgecache/cache/internal/f16"
)

// testSpec is the paper's ResNet32 spec shrunk: three taps flattened whole.
func testSpec(c, h, w int) Spec {
	return Spec{Taps: []TapSpec{
		{Name: "layer3.0", C: c, H: h, W: w},
		{Name: "layer3.2.relu", C: c, H: h, W: w},
		{Name: "layer3.3", C: c, H: h, W: w},
	}}
}

// unitVec is a random unit vector with non-negative entries, like a
// normalised ReLU activation.
func unitVec(r *rand.Rand, dim int) []float32 { return keygen.Unit(r, dim, 0) }

// randCache fills a cache with n clustered items (keygen.Clustered around
// unitVec centres). It returns the cache and the centres.
func randCache(t testing.TB, r *rand.Rand, spec Spec, classes, n int) (*Cache, [][]float32) {
	t.Helper()
	c, err := New(spec, classes)
	if err != nil {
		t.Fatal(err)
	}
	centres := keygen.Centres(r, classes, spec.Dim(), 0)
	c.Grow(n)
	if err := keygen.Clustered(r, centres, n, c.Add); err != nil {
		t.Fatal(err)
	}
	return c, centres
}

// refProbs is the specification of p_cache in float64: exact products of the
// stored fp16 keys with the query, the maximum subtracted, no cut-off.
func refProbs(c *Cache, q []float32, theta float64) (p []float64, sims []float64) {
	n, dim := c.Len(), c.Dim()
	sims = make([]float64, n)
	smax := math.Inf(-1)
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < dim; j++ {
			s += float64(f16.Decode(c.keys[i*dim+j])) * float64(q[j])
		}
		sims[i] = s
		smax = math.Max(smax, s)
	}
	p = make([]float64, c.Classes())
	var z float64
	for i, s := range sims {
		e := math.Exp(theta * (s - smax))
		p[c.Label(i)] += e
		z += e
	}
	for y := range p {
		p[y] /= z
	}
	return p, sims
}

// probTol bounds |p - ref|: each similarity is within delta of the exact one
// (activeDotBound: the kernels' own bound), so each term exp(theta*(s_i - s_max)) is off by a factor within
// exp(+-2 theta delta) and a ratio of sums of such terms by exp(+-4 theta
// delta); add the cut-off (n e^-40) and the float32 rounding of the output.
func probTol(c *Cache, q []float32, theta float64) func(ref float64) float64 {
	delta := 0.0
	for i := 0; i < c.Len(); i++ {
		delta = math.Max(delta, activeDotBound(c.keys[i*c.dim:(i+1)*c.dim], q))
	}
	return func(ref float64) float64 {
		return math.Expm1(4*theta*delta)*ref + float64(c.Len())*math.Exp(-cutoff) + 1e-7
	}
}

func TestProbsMatchFloat64Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		spec       Spec
		classes, n int
	}{
		{testSpec(4, 2, 2), 10, 1},
		{testSpec(4, 2, 2), 10, 700},
		{testSpec(3, 3, 3), 3, 513},
		{testSpec(64, 1, 1), 100, 1000},
	} {
		c, centres := randCache(t, r, tc.spec, tc.classes, tc.n)
		const m = 7 // one group of four, then three singles
		qs := make([]float32, 0, m*c.Dim())
		for j := 0; j < m; j++ {
			q := append([]float32(nil), centres[j%tc.classes]...)
			for i := range q {
				q[i] += 0.05 * float32(r.NormFloat64()) / float32(math.Sqrt(float64(len(q))))
			}
			if err := normalize(q); err != nil {
				t.Fatal(err)
			}
			qs = append(qs, q...)
		}
		for _, theta := range []float64{0, 10, 50, 90, 200} {
			batch := make([]float32, m*c.Classes())
			if err := c.ProbsBatch(batch, qs, float32(theta)); err != nil {
				t.Fatal(err)
			}
			for j := 0; j < m; j++ {
				q := qs[j*c.Dim() : (j+1)*c.Dim()]
				one := make([]float32, c.Classes())
				if err := c.Probs(one, q, float32(theta)); err != nil {
					t.Fatal(err)
				}
				ref, _ := refProbs(c, q, theta)
				tol := probTol(c, q, theta)
				var sum float64
				for y, want := range ref {
					got := float64(batch[j*c.Classes()+y])
					sum += got
					if math.IsNaN(got) || math.Abs(got-want) > tol(want) {
						t.Fatalf("n %d theta %v query %d class %d: batch %v, float64 reference %v", c.Len(), theta, j, y, got, want)
					}
					if g1 := float64(one[y]); math.Abs(g1-want) > tol(want) {
						t.Fatalf("n %d theta %v query %d class %d: single %v, float64 reference %v", c.Len(), theta, j, y, g1, want)
					}
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Fatalf("probabilities sum to %v", sum)
				}
			}
		}
	}
}

// At theta 90 and similarities near 1, exp(theta*s) overflows float32
// (e^90 = 1.2e39 > 3.4e38); the stable form must not care.
func TestProbsLargeThetaNoOverflow(t *testing.T) {
	spec := Spec{Taps: []TapSpec{{Name: "t", C: 8, H: 1, W: 1}}}
	c, err := New(spec, 2)
	if err != nil {
		t.Fatal(err)
	}
	k := []float32{1, 0, 0, 0, 0, 0, 0, 0}
	k2 := []float32{0.999, 0.0447, 0, 0, 0, 0, 0, 0}
	normalize(k2)
	if err := c.Add(k, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(k2, 1); err != nil {
		t.Fatal(err)
	}
	p := make([]float32, 2)
	if err := c.Probs(p, k, 90); err != nil {
		t.Fatal(err)
	}
	ref, _ := refProbs(c, k, 90)
	for y := range p {
		if math.IsNaN(float64(p[y])) || math.Abs(float64(p[y])-ref[y]) > 1e-4 {
			t.Fatalf("p = %v, float64 reference %v", p, ref)
		}
	}
	naive := float32(math.Exp(90 * float64(float32(1))))
	if !math.IsInf(float64(naive), 1) {
		t.Fatalf("premise: float32 exp(90) = %v should overflow", naive)
	}
}

func TestMix(t *testing.T) {
	pn := []float32{0.8, 0.2}
	pc := []float32{0.1, 0.9}
	dst := make([]float32, 2)
	if err := Mix(dst, pn, pc, 0.5); err != nil || math.Abs(float64(dst[0])-0.45) > 1e-7 || math.Abs(float64(dst[1])-0.55) > 1e-7 {
		t.Fatalf("Mix = %v, %v", dst, err)
	}
	Mix(dst, pn, pc, 1)
	if dst[0] != pc[0] || dst[1] != pc[1] {
		t.Fatalf("CacheOnly mix = %v, want %v", dst, pc)
	}
	if err := Mix(dst, pn, pc, 1.5); err == nil {
		t.Fatal("lambda 1.5 accepted")
	}
	if err := Mix(dst[:1], pn, pc, 0.5); err == nil {
		t.Fatal("length mismatch accepted")
	}
	// The float64 instance (the host's differentiable models) is the same
	// formula: it agrees with the float32 one to float32 rounding, on the
	// paper's mixture and on a taught class, and refuses the same input.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range [][2]int{{10, 10}, {10, 12}} {
		pn32, pc32 := make([]float32, n[0]), make([]float32, n[1])
		pn64, pc64 := make([]float64, n[0]), make([]float64, n[1])
		for i := range pc32 {
			pc32[i] = rng.Float32() / float32(n[1])
			pc64[i] = float64(pc32[i])
		}
		for i := range pn32 {
			pn32[i] = rng.Float32() / float32(n[0])
			pn64[i] = float64(pn32[i])
		}
		d32, d64 := make([]float32, n[1]), make([]float64, n[1])
		if err := Mix(d32, pn32, pc32, 0.375); err != nil {
			t.Fatal(err)
		}
		if err := Mix(d64, pn64, pc64, 0.375); err != nil {
			t.Fatal(err)
		}
		for i := range d64 {
			if d := math.Abs(d64[i] - float64(d32[i])); d > 4e-7*d64[i] {
				t.Fatalf("%d of %d classes taught: value %d float64 %v, float32 %v", n[1]-n[0], n[1], i, d64[i], d32[i])
			}
		}
	}
	if err := Mix(make([]float64, 2), []float64{0.8, 0.2}, []float64{0.1, 0.9}, math.NaN()); err == nil {
		t.Fatal("float64 lambda NaN accepted")
	}
}

func TestCacheErrors(t *testing.T) {
	spec := testSpec(2, 1, 1)
	if _, err := New(spec, 0); err == nil {
		t.Fatal("0 classes accepted")
	}
	if _, err := New(Spec{}, 10); err == nil {
		t.Fatal("empty spec accepted")
	}
	c, err := New(spec, 10)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float32, 10)
	if err := c.Probs(p, make([]float32, 6), 10); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("lookup in empty cache: %v", err)
	}
	for _, bad := range []struct {
		key   []float32
		label int
	}{
		{make([]float32, 5), 0},
		{make([]float32, 6), 10},
		{make([]float32, 6), -1},
		{[]float32{0, 0, float32(math.NaN()), 0, 0, 0}, 1},
		{[]float32{0, 0, 1e6, 0, 0, 0}, 1},
	} {
		if err := c.Add(bad.key, bad.label); err == nil {
			t.Fatalf("Add(%v, %d) accepted", bad.key, bad.label)
		}
	}
	if err := c.Add([]float32{1, 0, 0, 0, 0, 0}, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Probs(p, make([]float32, 5), 10); err == nil {
		t.Fatal("short query accepted")
	}
	if err := c.Probs(p[:9], make([]float32, 6), 10); err == nil {
		t.Fatal("short output accepted")
	}
	if err := c.Probs(p, make([]float32, 6), -1); err == nil {
		t.Fatal("negative theta accepted")
	}
	if err := c.Probs(p, []float32{1, 0, 0, float32(math.Inf(1)), 0, 0}, 10); err == nil {
		t.Fatal("infinite query accepted")
	}
	if got := c.Key(nil, 0); got[0] != 1 || c.Label(0) != 3 || c.Len() != 1 {
		t.Fatalf("item 0 = %v label %d", got, c.Label(0))
	}
	want := 2*6 + 2 + lookupScratch(10, 6)
	if c.Bytes() != want {
		t.Fatalf("Bytes = %d, want %d", c.Bytes(), want)
	}
}

func TestKey(t *testing.T) {
	spec := Spec{Taps: []TapSpec{
		{Name: "a", C: 2, H: 1, W: 2, Pool: PoolNone},
		{Name: "b", C: 2, H: 2, W: 1, Pool: PoolAvg},
	}}
	if spec.Dim() != 6 {
		t.Fatalf("Dim = %d", spec.Dim())
	}
	a := []float32{1, 2, 3, 4}
	b := []float32{2, 4, -1, 1}
	key := make([]float32, 6)
	if err := spec.Key(key, [][]float32{a, b}); err != nil {
		t.Fatal(err)
	}
	raw := []float64{1, 2, 3, 4, 3, 0}
	norm := math.Sqrt(1 + 4 + 9 + 16 + 9)
	for i, v := range raw {
		if math.Abs(float64(key[i])-v/norm) > 1e-7 {
			t.Fatalf("key = %v, want %v / %v", key, raw, norm)
		}
	}
	// Zero stays zero.
	if err := spec.Key(key, [][]float32{make([]float32, 4), make([]float32, 4)}); err != nil {
		t.Fatal(err)
	}
	for _, v := range key {
		if v != 0 {
			t.Fatalf("zero key became %v", key)
		}
	}
	// Projection: W (x - mean), then normalised.
	var err error
	if spec.Proj, err = NewProjection(2, 6, []float32{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, []float32{0, 0, 0, 0, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	key = key[:2]
	if err := spec.Key(key, [][]float32{a, b}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{float32(1 / math.Sqrt(5)), float32(2 / math.Sqrt(5))}; math.Abs(float64(key[0]-want[0])) > 1e-7 || math.Abs(float64(key[1]-want[1])) > 1e-7 {
		t.Fatalf("projected key = %v, want %v", key, want)
	}
	if err := spec.Key(key, [][]float32{a}); err == nil {
		t.Fatal("missing tap accepted")
	}
	if err := spec.Key(key, [][]float32{a, b[:3]}); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("short tap: %v", err)
	}
}

func TestSpecCheck(t *testing.T) {
	s := testSpec(64, 8, 8)
	if err := s.Check(testSpec(64, 8, 8)); err != nil {
		t.Fatal(err)
	}
	o := testSpec(64, 8, 8)
	o.Taps[1].Name = "layer3.1.relu"
	if err := s.Check(o); err == nil || !strings.Contains(err.Error(), "layer3.1.relu") {
		t.Fatalf("renamed tap: %v", err)
	}
	o = testSpec(64, 8, 8)
	o.Taps[2].Pool = PoolAvg
	if err := s.Check(o); err == nil || !strings.Contains(err.Error(), "layer3.3") {
		t.Fatalf("pooled tap: %v", err)
	}
	o = testSpec(64, 8, 8)
	o.Taps = o.Taps[:2]
	if err := s.Check(o); err == nil {
		t.Fatal("missing tap accepted")
	}
	if s.Dim() != 12288 {
		t.Fatalf("paper's key has %d values, want 12288", s.Dim())
	}
}

// A projected key through the lookup kernel matches the float64 product of
// the fp16 matrix, for a PCA-sized projection (rows not a multiple of the
// kernel's blocks, columns with a tail).
func TestKeyProjectionLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const rows, c, h, w = 19, 3, 7, 7 // 147 columns: 18 blocks of 8 and a tail of 3
	cols := c * h * w
	wm := make([]float32, rows*cols)
	for i := range wm {
		wm[i] = float32(r.NormFloat64())
	}
	p, err := NewProjection(rows, cols, wm, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Taps: []TapSpec{{Name: "t", C: c, H: h, W: w}}, Proj: p}
	x := make([]float32, cols)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	key := make([]float32, rows)
	if err := spec.Key(key, [][]float32{x}); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, rows)
	var ss float64
	for i := range want {
		for j, v := range x {
			want[i] += float64(p.At(i, j)) * float64(v)
		}
		ss += want[i] * want[i]
	}
	for i, v := range key {
		if d := math.Abs(float64(v) - want[i]/math.Sqrt(ss)); d > 1e-5 {
			t.Fatalf("key[%d] = %v, want %v", i, v, want[i]/math.Sqrt(ss))
		}
	}
	p.Mean = make([]float32, cols) // a centred projection needs room for the whole raw key
	short := spec.newKeyScratch()
	short.raw = short.raw[:cols-1]
	if err := spec.key(key, &short, [][]float32{x}); err == nil {
		t.Fatal("short raw scratch accepted")
	}
	if _, err := NewProjection(2, 2, []float32{1, 2, 3, 1e6}, nil); err == nil {
		t.Fatal("projection value past fp16's range accepted")
	}
}

// PoolAvg2 averages 2 x 2 windows, with partial windows at odd edges.
func TestPoolAvg2(t *testing.T) {
	tap := TapSpec{Name: "t", C: 2, H: 3, W: 3, Pool: PoolAvg2}
	if tap.Len() != 2*2*2 {
		t.Fatalf("Len = %d, want 8", tap.Len())
	}
	x := make([]float32, 18)
	for i := range x {
		x[i] = float32(i)
	}
	got := make([]float32, tap.Len())
	if n := poolAvg2(got, x, tap); n != 8 {
		t.Fatalf("wrote %d values", n)
	}
	// Channel 0 is 0..8 in a 3x3 plane: windows {0,1,3,4}, {2,5}, {6,7}, {8}.
	want := []float32{2, 3.5, 6.5, 8, 11, 12.5, 15.5, 17}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pooled = %v, want %v", got, want)
		}
	}
	if p, err := ParsePool("avg2"); err != nil || p != PoolAvg2 || p.String() != "avg2" {
		t.Fatalf("ParsePool(avg2) = %v, %v", p, err)
	}
	if err := (Spec{Taps: []TapSpec{{Name: "t", C: 1, H: 1, W: 1, Pool: PoolAvg2 + 1}}}).Validate(); err == nil {
		t.Fatal("unknown pool accepted")
	}
}

// Items stored class by class (as a fit's prototypes are): the fold sums runs
// of one label and skips whole blocks past the cutoff, and still matches the
// float64 reference at every theta, with the best match in the first, a
// middle or the last block.
func TestProbsClassRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const classes, per, dim = 5, 301, 16 // runs longer than a block, not aligned to it
	c, err := New(Spec{Taps: []TapSpec{{Name: "t", C: dim, H: 1, W: 1}}}, classes)
	if err != nil {
		t.Fatal(err)
	}
	centres := make([][]float32, classes)
	for y := range centres {
		centres[y] = unitVec(r, dim)
		for i := 0; i < per; i++ {
			k := make([]float32, dim)
			for j := range k {
				k[j] = centres[y][j] + 0.4*float32(r.NormFloat64())/float32(math.Sqrt(dim))
			}
			if err := normalize(k); err != nil {
				t.Fatal(err)
			}
			if err := c.Add(k, y); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, y := range []int{0, 2, classes - 1} {
		q := append([]float32(nil), centres[y]...)
		for _, theta := range []float64{10, 90, 400} {
			got := make([]float32, classes)
			if err := c.Probs(got, q, float32(theta)); err != nil {
				t.Fatal(err)
			}
			ref, _ := refProbs(c, q, theta)
			tol := probTol(c, q, theta)
			for k, want := range ref {
				if math.Abs(float64(got[k])-want) > tol(want) {
					t.Fatalf("query of class %d, theta %v: p[%d] = %v, float64 reference %v", y, theta, k, got[k], want)
				}
			}
		}
	}
}
