package host

import (
	"fmt"
	"math"
	"sync"

	"github.com/edgecache/edgecache/cache"
)

// Grid is a tuning search space. Thetas must be an arithmetic progression
// (the scan evaluates exp(theta*d) for all of them from two exponentials).
type Grid struct {
	Thetas  []float64
	Lambdas []float64
}

// Linspace returns n evenly spaced values from a to b inclusive, as numpy's.
func Linspace(a, b float64, n int) []float64 {
	if n == 1 {
		return []float64{a}
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return v
}

// PaperGrid is the paper's search space: theta in linspace(10, 90, 33),
// lambda in linspace(0.1, 0.9, 33).
func PaperGrid() Grid {
	return Grid{Thetas: Linspace(10, 90, 33), Lambdas: Linspace(0.1, 0.9, 33)}
}

// TuneOptions configures Tune; the zero value runs the paper's grid and the
// refinement on all cores.
type TuneOptions struct {
	Grid     Grid // zero: PaperGrid
	NoRefine bool // skip the finer local search (and its second scan)
	Sim      SimOptions
	// Progress, if set, is called (from the scan's goroutines, serialised)
	// with queries finished so far and the total over both scans.
	Progress func(done, total int)
}

// Result is the outcome of Tune. Accuracies are fractions of the queries.
type Result struct {
	Theta, Lambda  float64 // best mixture ("Cache3" in the paper)
	Acc            float64
	CacheOnlyTheta float64 // best theta at lambda 1
	CacheOnlyAcc   float64
	BaselineAcc    float64 // the network alone (lambda 0)

	// The coarse grid: Grid[t][l] is the accuracy at Thetas[t], Lambdas[l];
	// CacheOnly[t] at Thetas[t], lambda 1. Grid is nil without pNet.
	Thetas, Lambdas []float64
	Grid            [][]float64
	CacheOnly       []float64

	// The local search (empty with NoRefine): a 17 x 17 grid one coarse step
	// either side of the best grid point, and 17 thetas around the best
	// CacheOnly theta.
	FineThetas, FineLambdas []float64
	Fine                    [][]float64
	FineCacheOnlyThetas     []float64
	FineCacheOnly           []float64
}

// fineSteps is the resolution of the local search: 8 steps per coarse step.
const fineSteps = 8

// Tune picks theta and lambda for c by validation accuracy. queries holds
// the validation images' keys (rows of c.Dim()), labels their classes, pNet
// the network's probabilities for them (rows of c.Classes(); nil tunes
// CacheOnly alone). The queries must not be test images and must not be in
// the cache (the paper: cache from 45,000 training images plus flips, queried
// by the other 5,000 plus flips); Tune cannot check this, the caller picks
// the split.
//
// The query x key similarities are computed once per scan (Similarities).
// During the scan each query keeps its exact maximum similarity s_max
// (a running maximum; sums are rescaled when it rises) and per class the sums
// sum_i exp(theta_t (s_i - s_max)) for every grid theta, from one
// exponential per similarity: with thetas theta_0 + t*step,
// exp(theta_t d) = exp(theta_0 d) * exp(step d)^t, a ladder of
// multiplications in float64 (exp(step d) from expNeg, 1e-9 relative, so
// the t-th rung is within about 33e-9 relative; exp(theta_0 d) is
// exp(step d)^(theta_0/step) when that is a whole number, as on the paper's
// grid, else a second exponential). The ladder stops
// once a term falls below 1e-13 of the largest (every later term is smaller),
// so at most 1e-13 * Len is lost from each normaliser (>= 1): far below the
// float32 rounding of the similarities themselves. Sweeping lambda over
// p_net is then free. The local search needs new thetas, so it scans again
// (doubling the time; NoRefine skips it). Ties go to the first grid point
// (smallest theta, then smallest lambda).
func Tune(queries []float32, labels []int, pNet []float32, c *cache.Cache, opt TuneOptions) (*Result, error) {
	dim, classes := c.Dim(), c.Classes()
	if len(queries)%dim != 0 {
		return nil, fmt.Errorf("host: %d query values are not a whole number of %d-value keys", len(queries), dim)
	}
	nq := len(queries) / dim
	if nq == 0 || c.Len() == 0 {
		return nil, fmt.Errorf("host: tuning needs queries and items (%d queries, %d items)", nq, c.Len())
	}
	if len(labels) != nq {
		return nil, fmt.Errorf("host: %d labels for %d queries", len(labels), nq)
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("host: query %d has label %d of %d classes", i, y, classes)
		}
	}
	if pNet != nil && len(pNet) != nq*classes {
		return nil, fmt.Errorf("host: %d network probabilities for %d queries of %d classes", len(pNet), nq, classes)
	}
	g := opt.Grid
	if g.Thetas == nil && g.Lambdas == nil {
		g = PaperGrid()
	}
	th0, step, err := progression(g.Thetas)
	if err != nil {
		return nil, err
	}
	for _, l := range g.Lambdas {
		if !(l >= 0 && l <= 1) {
			return nil, fmt.Errorf("host: grid lambda %v outside 0..1", l)
		}
	}
	if pNet != nil && len(g.Lambdas) == 0 {
		return nil, fmt.Errorf("host: grid has no lambdas")
	}
	scans := 2
	if opt.NoRefine {
		scans = 1
	}
	prog := newProgress(opt.Progress, scans*nq)

	res := &Result{Thetas: g.Thetas, Lambdas: g.Lambdas}
	lambdas := g.Lambdas
	if pNet == nil {
		lambdas = nil
	}
	coarse, err := evaluate(queries, labels, pNet, c, []ladder{{th0, step, len(g.Thetas)}}, lambdas, opt.Sim, prog)
	if err != nil {
		return nil, err
	}
	res.BaselineAcc = coarse.baseline
	res.CacheOnly = coarse.cacheOnly
	res.Grid = coarse.mix
	tc := argmax(res.CacheOnly)
	res.CacheOnlyTheta, res.CacheOnlyAcc = g.Thetas[tc], res.CacheOnly[tc]
	tm, lm := 0, 0
	if pNet != nil {
		tm, lm = argmax2(res.Grid)
		res.Theta, res.Lambda, res.Acc = g.Thetas[tm], g.Lambdas[lm], res.Grid[tm][lm]
	}
	if opt.NoRefine {
		return res, nil
	}

	// Local search: fineSteps per coarse step, one coarse step either side.
	fine := func(centre, step, lo, hi float64) []float64 {
		if step == 0 {
			return []float64{centre}
		}
		a, b := math.Max(lo, centre-step), math.Min(hi, centre+step)
		n := int(math.Round((b-a)/step*fineSteps)) + 1
		return Linspace(a, b, max(n, 1))
	}
	res.FineCacheOnlyThetas = fine(res.CacheOnlyTheta, step, 0, math.Inf(1))
	ladders := []ladder{mkLadder(res.FineCacheOnlyThetas)}
	var fineLambdas []float64
	if pNet != nil {
		res.FineThetas = fine(res.Theta, step, 0, math.Inf(1))
		lstep := 1.0
		if len(g.Lambdas) > 1 {
			lstep = math.Abs(g.Lambdas[1] - g.Lambdas[0])
		}
		res.FineLambdas = fine(res.Lambda, lstep, 0, 1)
		fineLambdas = res.FineLambdas
		ladders = append(ladders, mkLadder(res.FineThetas))
	}
	refined, err := evaluate(queries, labels, pNet, c, ladders, fineLambdas, opt.Sim, prog)
	if err != nil {
		return nil, err
	}
	nco := len(res.FineCacheOnlyThetas)
	res.FineCacheOnly = refined.cacheOnly[:nco]
	if t := argmax(res.FineCacheOnly); res.FineCacheOnly[t] > res.CacheOnlyAcc {
		res.CacheOnlyTheta, res.CacheOnlyAcc = res.FineCacheOnlyThetas[t], res.FineCacheOnly[t]
	}
	if pNet != nil {
		res.Fine = refined.mix[nco:]
		if t, l := argmax2(res.Fine); res.Fine[t][l] > res.Acc {
			res.Theta, res.Lambda, res.Acc = res.FineThetas[t], res.FineLambdas[l], res.Fine[t][l]
		}
	}
	return res, nil
}

// progression checks that thetas is a non-empty arithmetic progression of
// non-negative values and returns its start and step.
func progression(thetas []float64) (th0, step float64, err error) {
	if len(thetas) == 0 {
		return 0, 0, fmt.Errorf("host: grid has no thetas")
	}
	th0 = thetas[0]
	if len(thetas) > 1 {
		step = thetas[1] - thetas[0]
	}
	for i, t := range thetas {
		if !(t >= 0) || math.IsInf(t, 0) || math.Abs(t-(th0+float64(i)*step)) > 1e-9*math.Max(1, math.Abs(t)) {
			return 0, 0, fmt.Errorf("host: grid thetas must be an arithmetic progression of finite values >= 0 (theta %d is %v)", i, t)
		}
	}
	return th0, step, nil
}

func mkLadder(thetas []float64) ladder {
	th0, step, _ := progression(thetas)
	return ladder{th0, step, len(thetas)}
}

func argmax2(v [][]float64) (int, int) {
	bt, bl := 0, 0
	for t, row := range v {
		for l, x := range row {
			if x > v[bt][bl] {
				bt, bl = t, l
			}
		}
	}
	return bt, bl
}

type progress struct {
	mu          sync.Mutex
	fn          func(done, total int)
	done, total int
}

func newProgress(fn func(int, int), total int) *progress {
	return &progress{fn: fn, total: total}
}

func (p *progress) add(n int) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	p.done += n
	p.fn(p.done, p.total)
	p.mu.Unlock()
}
