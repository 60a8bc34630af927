package host

import (
	"math"
	"sync"

	"github.com/edgecache/edgecache/cache"
)

// ladder is an arithmetic progression of n thetas from theta0 by step.
type ladder struct {
	theta0, step float64
	n            int
}

// ladderFloor ends a ladder: a term below it (relative to the largest term,
// exp(0) = 1) is dropped with every later one; see Tune.
const ladderFloor = 1e-13

// thetaSums holds, for a chunk of queries, the running maximum similarity
// and per (class, theta) the sums of exp(theta (s - max)).
type thetaSums struct {
	ladders []ladder
	nt      int // thetas over all ladders
	classes int
	max     []float64
	sums    []float64 // query x class x theta
	pow0    []int     // per ladder: theta0/step when a small integer, else -1
}

func newThetaSums(ladders []ladder, classes, queries int) *thetaSums {
	s := &thetaSums{ladders: ladders, classes: classes}
	for _, l := range ladders {
		s.nt += l.n
		k := -1
		if l.step > 0 {
			if r := l.theta0 / l.step; r == math.Trunc(r) && r <= 64 {
				k = int(r)
			}
		}
		s.pow0 = append(s.pow0, k)
	}
	s.max = make([]float64, queries)
	s.sums = make([]float64, queries*classes*s.nt)
	return s
}

func (s *thetaSums) reset(queries int) {
	for i := range s.max[:queries] {
		s.max[i] = math.Inf(-1)
	}
	clear(s.sums[:queries*s.classes*s.nt])
}

// add folds similarities sims (of query i of the chunk with keys of the given
// labels and weights, nil when all are 1) into the sums.
func (s *thetaSums) add(i int, sims []float32, labels, weights []uint16) {
	nt, classes := s.nt, s.classes
	qs := s.sums[i*classes*nt : (i+1)*classes*nt]
	bmax := math.Inf(-1)
	for _, v := range sims {
		bmax = math.Max(bmax, float64(v))
	}
	if bmax > s.max[i] {
		if !math.IsInf(s.max[i], -1) {
			d := s.max[i] - bmax
			o := 0
			for _, l := range s.ladders {
				for t := 0; t < l.n; t++ {
					f := math.Exp((l.theta0 + float64(t)*l.step) * d)
					for y := 0; y < classes; y++ {
						qs[y*nt+o+t] *= f
					}
				}
				o += l.n
			}
		}
		s.max[i] = bmax
	}
	m := s.max[i]
	for j, v := range sims {
		d := float64(v) - m
		row := qs[int(labels[j])*nt : (int(labels[j])+1)*nt]
		w := 1.0
		if weights != nil {
			w = float64(weights[j])
		}
		for li, l := range s.ladders {
			r := expNeg0(l.step * d)
			var e float64
			if k := s.pow0[li]; k >= 0 {
				e = powInt(r, k)
			} else {
				e = expNeg0(l.theta0 * d)
			}
			e *= w
			climb(row[:l.n], e, r)
			row = row[l.n:]
		}
	}
}

// climb adds e, e*r, e*r^2, ... to row, stopping below ladderFloor (r <= 1,
// so every later rung is smaller). Four interleaved chains stepping by r^4
// keep the multiplier's latency off the critical path.
func climb(row []float64, e, r float64) {
	r2 := r * r
	r4 := r2 * r2
	e1, e2, e3 := e*r, e*r2, e*r2*r
	t := 0
	for ; t+4 <= len(row); t += 4 {
		if e < ladderFloor {
			return
		}
		row[t] += e
		row[t+1] += e1
		row[t+2] += e2
		row[t+3] += e3
		e, e1, e2, e3 = e*r4, e1*r4, e2*r4, e3*r4
	}
	for ; t < len(row) && e >= ladderFloor; t++ {
		row[t] += e
		e *= r
	}
}

// powInt is x^k by squaring.
func powInt(x float64, k int) float64 {
	p := 1.0
	for k > 0 {
		if k&1 != 0 {
			p *= x
		}
		x *= x
		k >>= 1
	}
	return p
}

// evaluation holds accuracies over all thetas of the ladders (concatenated).
type evaluation struct {
	baseline  float64
	cacheOnly []float64   // per theta
	mix       [][]float64 // per theta, per lambda
}

// evaluate scans once and scores every theta of the ladders, at lambda 1 and
// at every lambda given (with pNet).
func evaluate(queries []float32, labels []int, pNet []float32, c *cache.Cache, ladders []ladder, lambdas []float64,
	opt SimOptions, prog *progress) (*evaluation, error) {
	classes := c.Classes()
	nt := 0
	for _, l := range ladders {
		nt += l.n
	}
	// Keep a worker's per-query state under 64 MiB.
	if lim := max(1, (64<<20)/(8*classes*nt)); opt.QueryChunk <= 0 || opt.QueryChunk > lim {
		opt.QueryChunk = min(4096, lim)
	}
	type tally struct {
		co  []int
		mix []int // theta x lambda
	}
	var (
		mu      sync.Mutex
		states  = map[int]*thetaSums{}
		tallies = map[int]*tally{}
	)
	nk := c.Len()
	itemLabels, weights := items(c)
	err := Similarities(queries, c, opt, func(w int, b SimBlock) {
		mu.Lock()
		st, tl := states[w], tallies[w]
		if st == nil {
			st = newThetaSums(ladders, classes, opt.QueryChunk)
			tl = &tally{co: make([]int, nt), mix: make([]int, nt*len(lambdas))}
			states[w], tallies[w] = st, tl
		}
		mu.Unlock()
		if b.K0 == 0 {
			st.reset(b.NQ)
		}
		for i := 0; i < b.NQ; i++ {
			st.add(i, b.Sims[i*b.Stride:i*b.Stride+b.NK], itemLabels[b.K0:b.K0+b.NK], weightsOf(weights, b.K0, b.NK))
		}
		if b.K0+b.NK < nk {
			return
		}
		// Each grid point is scored as the board scores: p_cache
		// normalised, cache.Mix, and the label right only when strictly
		// largest (top, as Queries.Accuracy).
		pc := make([]float64, classes)
		pn := make([]float64, classes)
		mixed := make([]float64, classes)
		for i := 0; i < b.NQ; i++ {
			q := b.Q0 + i
			y := labels[q]
			qs := st.sums[i*classes*nt : (i+1)*classes*nt]
			if pNet != nil {
				for k, v := range pNet[q*classes : (q+1)*classes] {
					pn[k] = float64(v)
				}
			}
			for t := 0; t < nt; t++ {
				var z float64
				for k := 0; k < classes; k++ {
					z += qs[k*nt+t]
				}
				for k := range pc {
					pc[k] = qs[k*nt+t] / z
				}
				if top(pc, y) {
					tl.co[t]++
				}
				if pNet == nil {
					continue
				}
				for li, lam := range lambdas {
					// Cannot fail: the lengths agree and Tune checked
					// every lambda is in 0..1.
					_ = cache.Mix(mixed, pn, pc, lam)
					if top(mixed, y) {
						tl.mix[t*len(lambdas)+li]++
					}
				}
			}
		}
		prog.add(b.NQ)
	})
	if err != nil {
		return nil, err
	}
	nq := len(labels)
	ev := &evaluation{cacheOnly: make([]float64, nt)}
	mix := make([]int, nt*len(lambdas))
	for _, tl := range tallies {
		for t, n := range tl.co {
			ev.cacheOnly[t] += float64(n)
		}
		for i, n := range tl.mix {
			mix[i] += n
		}
	}
	for t := range ev.cacheOnly {
		ev.cacheOnly[t] /= float64(nq)
	}
	if pNet != nil {
		ev.mix = make([][]float64, nt)
		for t := range ev.mix {
			ev.mix[t] = make([]float64, len(lambdas))
			for l := range lambdas {
				ev.mix[t][l] = float64(mix[t*len(lambdas)+l]) / float64(nq)
			}
		}
		right := 0
		for q, y := range labels {
			if top(pNet[q*classes:(q+1)*classes], y) {
				right++
			}
		}
		ev.baseline = float64(right) / float64(nq)
	}
	return ev, nil
}

// argmax is the index of the largest value (the first on ties).
func argmax[T float32 | float64](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
