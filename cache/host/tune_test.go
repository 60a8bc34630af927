package host

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

// tuneData is a noisy problem where accuracy depends on theta and lambda:
// queries near class centres, a network that is right about 60% of the time.
func tuneData(t testing.TB, classes, nk, nq, dim int) (c *cache.Cache, queries []float32, labels []int, pNet []float32) {
	r := rand.New(rand.NewPCG(13, 14))
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "t", C: dim, H: 1, W: 1}}}
	c, centres := cachetest.RandCache(t, r, spec, classes, nk)
	for q := 0; q < nq; q++ {
		y := r.IntN(classes)
		v := make([]float32, dim)
		for i := range v {
			v[i] = centres[y][i] + 0.5*float32(r.NormFloat64())/float32(math.Sqrt(float64(dim)))
		}
		cachetest.Normalize(v)
		queries = append(queries, v...)
		labels = append(labels, y)
		p := make([]float32, classes)
		var z float32
		for k := range p {
			p[k] = float32(r.ExpFloat64())
			if k == y && r.Float64() < 0.6 {
				p[k] += 3
			}
			z += p[k]
		}
		for k := range p {
			pNet = append(pNet, p[k]/z)
		}
	}
	return c, queries, labels, pNet
}

// refAccuracy is the specification of one grid point: float64 p_cache, the
// mixture, argmax (first on ties), fraction right.
func refAccuracy(c *cache.Cache, queries []float32, labels []int, pNet []float32, theta, lambda float64) float64 {
	right := 0
	dim, classes := c.Dim(), c.Classes()
	for q, y := range labels {
		pc := cachetest.RefProbs(c, queries[q*dim:(q+1)*dim], theta)
		best, bv := 0, math.Inf(-1)
		for k := 0; k < classes; k++ {
			v := lambda * pc[k]
			if lambda < 1 {
				v += (1 - lambda) * float64(pNet[q*classes+k])
			}
			if v > bv {
				best, bv = k, v
			}
		}
		if best == y {
			right++
		}
	}
	return float64(right) / float64(len(labels))
}

func TestTuneMatchesReference(t *testing.T) {
	c, queries, labels, pNet := tuneData(t, 5, 700, 60, 24)
	grid := Grid{Thetas: Linspace(10, 90, 9), Lambdas: Linspace(0.1, 0.9, 5)}
	calls := 0
	res, err := Tune(queries, labels, pNet, c, TuneOptions{Grid: grid, Sim: SimOptions{Workers: 2, QueryChunk: 7},
		Progress: func(done, total int) {
			calls++
			if done > total || total != 2*len(labels) {
				t.Errorf("progress %d of %d", done, total)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("no progress reported")
	}
	mismatch := 0
	varied := map[float64]bool{}
	for ti, th := range grid.Thetas {
		if got, want := res.CacheOnly[ti], refAccuracy(c, queries, labels, pNet, th, 1); got != want {
			t.Errorf("CacheOnly theta %v: %v, reference %v", th, got, want)
		}
		for li, l := range grid.Lambdas {
			want := refAccuracy(c, queries, labels, pNet, th, l)
			varied[want] = true
			if got := res.Grid[ti][li]; got != want {
				mismatch++
				t.Errorf("theta %v lambda %v: %v, reference %v", th, l, got, want)
			}
		}
	}
	if len(varied) < 3 {
		t.Fatalf("test problem too easy: accuracies %v", varied)
	}
	if want := refAccuracy(c, queries, labels, pNet, 0, 0); res.BaselineAcc != want {
		t.Fatalf("baseline %v, reference %v", res.BaselineAcc, want)
	}
	// The chosen point is the grid's best or a refined point at least as good,
	// and its accuracy is what the reference says it is.
	if got := refAccuracy(c, queries, labels, pNet, res.Theta, res.Lambda); got != res.Acc {
		t.Fatalf("chosen theta %v lambda %v: accuracy %v, reference %v", res.Theta, res.Lambda, res.Acc, got)
	}
	tb, lb := argmax2(res.Grid)
	if res.Acc < res.Grid[tb][lb] {
		t.Fatalf("refined %v worse than grid best %v", res.Acc, res.Grid[tb][lb])
	}
	if got := refAccuracy(c, queries, labels, pNet, res.CacheOnlyTheta, 1); got != res.CacheOnlyAcc {
		t.Fatalf("CacheOnly theta %v: %v, reference %v", res.CacheOnlyTheta, res.CacheOnlyAcc, got)
	}
	if len(res.Fine) != len(res.FineThetas) || len(res.Fine[0]) != len(res.FineLambdas) || len(res.FineThetas) != 2*fineSteps+1 {
		t.Fatalf("fine grid %dx%d over %d thetas", len(res.Fine), len(res.Fine[0]), len(res.FineThetas))
	}
}

func TestTuneCacheOnlyAndErrors(t *testing.T) {
	c, queries, labels, pNet := tuneData(t, 4, 100, 10, 8)
	res, err := Tune(queries, labels, nil, c, TuneOptions{NoRefine: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Grid != nil || len(res.CacheOnly) != 33 || res.Fine != nil {
		t.Fatalf("CacheOnly tuning returned %+v", res)
	}
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"labels", func() error { _, err := Tune(queries, labels[:3], pNet, c, TuneOptions{}); return err }},
		{"label range", func() error {
			bad := append([]int(nil), labels...)
			bad[0] = 4
			_, err := Tune(queries, bad, pNet, c, TuneOptions{})
			return err
		}},
		{"pNet", func() error { _, err := Tune(queries, labels, pNet[1:], c, TuneOptions{}); return err }},
		{"thetas", func() error {
			_, err := Tune(queries, labels, pNet, c, TuneOptions{Grid: Grid{Thetas: []float64{1, 2, 4}, Lambdas: []float64{0.5}}})
			return err
		}},
		{"lambda", func() error {
			_, err := Tune(queries, labels, pNet, c, TuneOptions{Grid: Grid{Thetas: []float64{1}, Lambdas: []float64{2}}})
			return err
		}},
		{"dim", func() error { _, err := Tune(queries[1:], labels, pNet, c, TuneOptions{}); return err }},
	} {
		if err := tc.run(); err == nil {
			t.Errorf("%s: bad input accepted", tc.name)
		}
	}
}

// A one-point grid refines to itself.
func TestTuneSinglePoint(t *testing.T) {
	c, queries, labels, pNet := tuneData(t, 3, 50, 8, 8)
	res, err := Tune(queries, labels, pNet, c, TuneOptions{Grid: Grid{Thetas: []float64{80}, Lambdas: []float64{0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Theta != 80 || res.CacheOnlyTheta != 80 || len(res.FineThetas) != 1 {
		t.Fatalf("single point: %+v", res)
	}
	if want := refAccuracy(c, queries, labels, pNet, 80, res.Lambda); res.Acc != want {
		t.Fatalf("accuracy %v, reference %v", res.Acc, want)
	}
}

func TestLinspace(t *testing.T) {
	g := PaperGrid()
	if len(g.Thetas) != 33 || g.Thetas[0] != 10 || g.Thetas[32] != 90 || g.Thetas[1] != 12.5 {
		t.Fatalf("thetas %v", g.Thetas)
	}
	if math.Abs(g.Thetas[30]-85) > 1e-12 || math.Abs(g.Lambdas[13]-0.425) > 1e-12 || g.Lambdas[32] != 0.9 {
		t.Fatalf("grid %v %v", g.Thetas, g.Lambdas)
	}
}
