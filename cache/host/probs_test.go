package host

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

// Error bounds of the two scoring paths' exponentials, relative per term:
// the board's exps kernels (cache/exps.go, below 3e-7) and the host's expNeg
// with its ladder (1e-9 per rung, 33 rungs; see Tune). A ratio of sums of
// such terms is off by twice the bound.
const (
	boardExpErr = 3e-7
	hostExpErr  = 33e-9
)

// probeQueries are m queries near the class centres (a value nudged off).
func probeQueries(centres [][]float32, m int) []float32 {
	var qs []float32
	for j := 0; j < m; j++ {
		q := append([]float32(nil), centres[j%len(centres)]...)
		q[j%len(q)] += 0.1
		cachetest.Normalize(q)
		qs = append(qs, q...)
	}
	return qs
}

func TestProbsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "a", C: 8, H: 2, W: 2}, {Name: "b", C: 8, H: 2, W: 2}}}
	plain, centres := cachetest.RandCache(t, r, spec, 7, 1500)
	weighted := cachetest.Weighted(t, plain, func(i int) int { return 1 + i%5*i%7 })
	qs := probeQueries(centres, 23)
	thetas := []float64{0, 12.5, 85.5556}
	for _, c := range []*cache.Cache{plain, weighted} {
		host, err := Probs(c, qs, thetas, SimOptions{Workers: 2, QueryChunk: 5})
		if err != nil {
			t.Fatal(err)
		}
		for ti, th := range thetas {
			for j := 0; j < 23; j++ {
				q := qs[j*c.Dim() : (j+1)*c.Dim()]
				tol := cachetest.ProbTol(c, q, th, ladderFloor)
				for y, want := range cachetest.RefProbs(c, q, th) {
					if got := float64(host[ti][j*7+y]); math.Abs(got-want) > tol(want)+2*hostExpErr*want {
						t.Fatalf("weighted %v theta %v query %d class %d: %v, reference %v", c.Weighted(), th, j, y, got, want)
					}
				}
			}
		}
	}
	if _, err := Probs(plain, qs, []float64{-1}, SimOptions{}); err == nil {
		t.Fatal("negative theta accepted")
	}
	if _, err := Probs(plain, qs[1:], []float64{1}, SimOptions{}); err == nil {
		t.Fatal("ragged queries accepted")
	}
}

// The board's lookup (cache.ProbsBatch, what TapProbs runs on a frame) and
// the host's scoring agree on a weighted cache: each is within its derived
// tolerance of the float64 reference, so they are within the sum of the two
// of each other, and top-1 is the same wherever the reference's two best
// classes are further apart than that.
func TestProbsAgreeWithBoardWeighted(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	plain, centres := cachetest.RandCache(t, r, cachetest.FlatSpec(96), 10, 1500)
	c := cachetest.Weighted(t, plain, func(i int) int { return 1 + (i*7919)%40 })
	const m = 40
	qs := probeQueries(centres, m)
	for _, theta := range []float32{20, 85.5556} {
		host, err := Probs(c, qs, []float64{float64(theta)}, SimOptions{Workers: 2, QueryChunk: 9})
		if err != nil {
			t.Fatal(err)
		}
		board := make([]float32, m*c.Classes())
		if err := c.ProbsBatch(board, qs, theta); err != nil {
			t.Fatal(err)
		}
		agreeTop1 := 0
		for j := 0; j < m; j++ {
			q := qs[j*c.Dim() : (j+1)*c.Dim()]
			ref := cachetest.RefProbs(c, q, float64(theta))
			boardTol := cachetest.ProbTol(c, q, float64(theta), math.Exp(-cache.Cutoff))
			hostTol := cachetest.ProbTol(c, q, float64(theta), ladderFloor)
			hb := host[0][j*c.Classes() : (j+1)*c.Classes()]
			bb := board[j*c.Classes() : (j+1)*c.Classes()]
			worst := 0.0
			for y, p := range ref {
				tol := boardTol(p) + 2*boardExpErr*p + hostTol(p) + 2*hostExpErr*p
				if d := math.Abs(float64(hb[y] - bb[y])); d > tol {
					t.Fatalf("theta %v query %d class %d: host %v, board %v (tolerance %.3g)", theta, j, y, hb[y], bb[y], tol)
				}
				worst = max(worst, boardTol(p)+hostTol(p)+2*(boardExpErr+hostExpErr)*p)
			}
			sorted := slices.Clone(ref)
			slices.Sort(sorted)
			if gap := sorted[len(sorted)-1] - sorted[len(sorted)-2]; gap > 2*worst {
				if argmax(hb) != argmax(bb) {
					t.Fatalf("theta %v query %d: top-1 host %d, board %d (reference gap %.3g)", theta, j, argmax(hb), argmax(bb), gap)
				}
				agreeTop1++
			}
		}
		if agreeTop1 < m/2 {
			t.Fatalf("theta %v: only %d of %d queries had a clear top-1; the check tests too little", theta, agreeTop1, m)
		}
	}
}

// An item of weight w scores as w copies of it, on the host as on the board.
func TestProbsWeightsAsCopies(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	plain, centres := cachetest.RandCache(t, r, cachetest.FlatSpec(12), 4, 60)
	w := func(i int) int { return 1 + i%3 }
	weighted := cachetest.Weighted(t, plain, w)
	copies, err := cache.New(plain.Spec(), plain.Classes())
	if err != nil {
		t.Fatal(err)
	}
	var key []float32
	for i := 0; i < plain.Len(); i++ {
		key = plain.Key(key, i)
		for k := 0; k < w(i); k++ {
			if err := copies.Add(key, plain.Label(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	qs := probeQueries(centres, 8)
	a, err := Probs(weighted, qs, []float64{40}, SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Probs(copies, qs, []float64{40}, SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a[0] {
		// The same terms, summed in another grouping: float64 sums of float32
		// probabilities' worth of terms.
		if math.Abs(float64(a[0][i]-b[0][i])) > 1e-6 {
			t.Fatalf("value %d: weighted %v, copies %v", i, a[0][i], b[0][i])
		}
	}
	sub, err := Subset(weighted, []int{4, 5})
	if err != nil || sub.Weight(0) != 2 || sub.Weight(1) != 3 {
		t.Fatalf("subset weights %d %d, %v", sub.Weight(0), sub.Weight(1), err)
	}
}
