package cache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// projectCase is a transposed fp16 matrix of cols rows of rows values, and n
// gathered terms (indices into it and their values).
type projectCase struct {
	wt   []uint16
	idx  []int32
	xs   []float32
	rows int
}

func newProjectCase(r *rand.Rand, rows, cols, n int) projectCase {
	pc := projectCase{wt: randKeys(r, cols, rows, (rows+n)%4), rows: rows}
	for k := 0; k < n; k++ {
		pc.idx = append(pc.idx, int32(r.IntN(cols)))
		pc.xs = append(pc.xs, float32(r.NormFloat64()))
	}
	return pc
}

// bound is the tolerance between two float32 evaluations of dst[c] + the
// terms in different orders (orderBound).
func (pc projectCase) bound(start []float32, c int) float64 {
	abs := math.Abs(float64(start[c]))
	for k, j := range pc.idx {
		abs += math.Abs(float64(pc.xs[k]) * float64(f16.Decode(pc.wt[int(j)*pc.rows+c])))
	}
	return orderBound(len(pc.idx)+3, abs)
}

// Every fast projectBody equals the Go twin (within rounding), adds to what
// dst holds, and writes nothing past body.
func TestProjectFastEqualsTwin(t *testing.T) {
	fast := fastKernels()
	if len(fast) == 0 {
		t.Skip("no SIMD kernels on this CPU/build")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, ks := range fast {
		for _, rows := range []int{8, 9, 16, 24, 64, 72, 96, 128, 130, 192, 200} {
			for _, n := range []int{4, 8, 12, 64, 128} {
				pc := newProjectCase(r, rows, 37, n)
				body := rows &^ 7
				start := randVec(r, rows, 0)
				all, got := guarded(rows)
				copy(got, start)
				ks.projectBody(&got[0], &pc.wt[0], &pc.idx[0], &pc.xs[0], n, rows, body)
				checkGuards(t, all, rows)
				want := append([]float32(nil), start...)
				projectGeneric(want, pc.wt, pc.idx, pc.xs, rows, 0)
				for c := 0; c < rows; c++ {
					if c >= body {
						if got[c] != start[c] {
							t.Fatalf("%s rows %d: output %d past body %d written", ks.name, rows, c, body)
						}
						continue
					}
					if d := math.Abs(float64(got[c] - want[c])); d > pc.bound(start, c) {
						t.Fatalf("%s rows %d n %d: dst[%d] = %v, twin %v", ks.name, rows, n, c, got[c], want[c])
					}
				}
			}
		}
	}
}

// The twin matches a float64 product, so both are right, not just equal.
func TestProjectTwinMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, rows := range []int{1, 7, 8, 64, 129} {
		pc := newProjectCase(r, rows, 50, 40)
		start := randVec(r, rows, 0)
		got := append([]float32(nil), start...)
		projectGeneric(got, pc.wt, pc.idx, pc.xs, rows, 0)
		for c := range got {
			want := float64(start[c])
			for k, j := range pc.idx {
				want += float64(pc.xs[k]) * float64(f16.Decode(pc.wt[int(j)*rows+c]))
			}
			if d := math.Abs(float64(got[c]) - want); d > pc.bound(start, c) {
				t.Fatalf("rows %d: dst[%d] = %v, float64 %v", rows, c, got[c], want)
			}
		}
	}
}

// Projecting a mostly-zero key (as ReLU taps give) skips the zeros and still
// equals the dense float64 product: across several chunks of non-zero values,
// with a count that is not a multiple of four, with and without a mean, on
// every kernel set.
func TestProjectSparseKey(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const rows, cols = 72, 1001
	w := make([]float32, rows*cols)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	mean := randVec(r, cols, 0)
	for _, withMean := range []bool{false, true} {
		var m []float32
		if withMean {
			m = mean
		}
		p, err := NewProjection(rows, cols, w, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, density := range []float64{0, 0.003, 0.37, 1} {
			x := make([]float32, cols)
			for j := range x {
				if r.Float64() < density {
					x[j] = float32(r.ExpFloat64())
				}
			}
			x[cols-1] = 0
			for _, ks := range append(fastKernels(), generic) {
				d := append([]float32(nil), x...)
				for j := range d {
					if m != nil {
						d[j] -= m[j]
					}
				}
				got := make([]float32, rows)
				// Two segments, as two taps give.
				ksc := Spec{}.newKeyScratch()
				p.project(ks, got, &ksc, d[:300], d[300:])
				for c := range got {
					var want, abs float64
					for j, v := range d {
						want += float64(p.At(c, j)) * float64(v)
						abs += math.Abs(float64(p.At(c, j)) * float64(v))
					}
					if diff := math.Abs(float64(got[c]) - want); diff > 2*cols*math.Ldexp(1, -24)*abs+1e-30 {
						t.Fatalf("%s mean %v density %v: out[%d] = %v, want %v", ks.name, withMean, density, c, got[c], want)
					}
				}
			}
		}
	}
}

// Leading keeps the first d rows of every column.
func TestProjectionLeading(t *testing.T) {
	w := []float32{1, 2, 3, 4, 5, 6} // 3 x 2
	p, err := NewProjection(3, 2, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Leading(2)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 2; r++ {
		for c := 0; c < 2; c++ {
			if l.At(r, c) != w[r*2+c] {
				t.Fatalf("Leading(2).At(%d, %d) = %v, want %v", r, c, l.At(r, c), w[r*2+c])
			}
		}
	}
	if _, err := p.Leading(4); err == nil {
		t.Fatal("Leading past the rows accepted")
	}
}

// A projection's lookup scratch holds only what cannot be read in place:
// pooled taps (whole taps are read where they are), or every raw value when
// it is centred; plus the gathered non-zero values.
func TestFootprintProjection(t *testing.T) {
	spec := Spec{Taps: []TapSpec{{Name: "a", C: 4, H: 2, W: 2}, {Name: "b", C: 4, H: 2, W: 2, Pool: PoolAvg}}}
	base := Footprint(spec, 10, 0, false) - 4*spec.Dim() // without the key
	p, err := NewProjection(5, 20, make([]float32, 100), nil)
	if err != nil {
		t.Fatal(err)
	}
	spec.Proj = p
	if got, want := Footprint(spec, 10, 0, false), base+4*5+2*100+4*4; got != want {
		t.Fatalf("Footprint = %d, want %d", got, want)
	}
	p.Mean = make([]float32, 20)
	if got, want := Footprint(spec, 10, 0, false), base+4*5+2*100+4*20+4*20; got != want {
		t.Fatalf("centred: Footprint = %d, want %d", got, want)
	}
	c, err := New(spec, 10)
	if err != nil {
		t.Fatal(err)
	}
	if sc := c.NewScratch(); len(sc.raw) != 20 || len(sc.key) != 5 || len(sc.sums) != 10 || len(sc.block) != lookupBlock {
		t.Fatalf("scratch sizes raw %d key %d sums %d block %d", len(sc.raw), len(sc.key), len(sc.sums), len(sc.block))
	}
}

// TapProbs is Key then Probs at the cache's theta, allocates nothing with its
// Scratch, and refuses a scratch made for another cache.
func TestTapProbs(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	spec := Spec{Taps: []TapSpec{{Name: "a", C: 8, H: 3, W: 3}, {Name: "b", C: 4, H: 4, W: 4, Pool: PoolAvg2}}}
	w := make([]float32, 16*spec.RawDim())
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	var err error
	if spec.Proj, err = NewProjection(16, spec.RawDim(), w, nil); err != nil {
		t.Fatal(err)
	}
	c, _ := randCache(t, r, spec, 5, 600)
	c.Theta = 30
	taps := [][]float32{make([]float32, 72), make([]float32, 64)}
	for _, tap := range taps {
		for i := range tap {
			if r.IntN(3) == 0 { // mostly zero, as after a ReLU
				tap[i] = float32(r.ExpFloat64())
			}
		}
	}
	key := make([]float32, 16)
	if err := spec.Key(key, taps); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 5)
	if err := c.Probs(want, key, c.Theta); err != nil {
		t.Fatal(err)
	}
	sc := c.NewScratch()
	got := make([]float32, 5)
	if err := c.TapProbs(got, sc, taps); err != nil {
		t.Fatal(err)
	}
	for y := range got {
		if got[y] != want[y] {
			t.Fatalf("TapProbs = %v, Key then Probs %v", got, want)
		}
	}
	if n := testing.AllocsPerRun(20, func() { c.TapProbs(got, sc, taps) }); n != 0 {
		t.Fatalf("TapProbs allocates %v times per frame", n)
	}
	other, _ := New(Spec{Taps: []TapSpec{{Name: "a", C: 2, H: 1, W: 1}}}, 5)
	if err := c.TapProbs(got, other.NewScratch(), taps); err == nil {
		t.Fatal("another cache's scratch accepted")
	}
	if err := c.TapProbs(got, nil, taps); err == nil {
		t.Fatal("nil scratch accepted")
	}
}

// Every fast gatherBody appends exactly what the twin does: the same
// positions and values, the same count and values read, with room running
// out mid-way, NaN and Inf kept, -0 and +0 dropped or kept alike.
func TestGatherFastEqualsTwin(t *testing.T) {
	fast := fastKernels()
	if len(fast) == 0 {
		t.Skip("no SIMD kernels on this CPU/build")
	}
	r := rand.New(rand.NewPCG(15, 16))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1)), 1e-45}
	for _, ks := range fast {
		if ks.gatherBody == nil {
			continue
		}
		for trial := 0; trial < 300; trial++ {
			n := 8 * (1 + r.IntN(40))
			x := make([]float32, n)
			density := r.Float64()
			for j := range x {
				switch {
				case r.IntN(50) == 0:
					x[j] = specials[r.IntN(len(specials))]
				case r.Float64() < density:
					x[j] = float32(r.NormFloat64())
				}
			}
			room := 8 + r.IntN(200)
			base := r.IntN(1000)
			gi, gx := make([]int32, room), make([]float32, room)
			wi, wx := make([]int32, room), make([]float32, room)
			gc, gu := ks.gatherBody(&gi[0], &gx[0], room, &x[0], n, base)
			wc, wu := gatherGeneric(wi, wx, x, base)
			if gc != wc || gu != wu {
				t.Fatalf("%s: n %d room %d: count, used = %d, %d; twin %d, %d", ks.name, n, room, gc, gu, wc, wu)
			}
			for k := 0; k < wc; k++ {
				if gi[k] != wi[k] || math.Float32bits(gx[k]) != math.Float32bits(wx[k]) {
					t.Fatalf("%s: entry %d = (%d, %v), twin (%d, %v)", ks.name, k, gi[k], gx[k], wi[k], wx[k])
				}
			}
		}
	}
}
