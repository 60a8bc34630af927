package fewshot

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
)

// MaskNet writes into dst the network distribution p as if the network had
// never been trained on class masked: p(masked) is 0 and the others are
// divided by their sum, which is exactly the softmax over the other
// classes' logits (softmax is invariant to which classes are left out up
// to this renormalisation). The class keeps its index, as on the board.
// masked < 0 copies p unchanged.
func MaskNet(dst, p []float32, masked int) {
	copy(dst, p)
	if masked < 0 || masked >= len(p) {
		return
	}
	dst[masked] = 0
	var s float64
	for _, v := range dst {
		s += float64(v)
	}
	if s <= 0 {
		// The network put all its mass on the masked class (to float32
		// precision): it has no opinion on the others.
		for i := range dst {
			if i != masked {
				dst[i] = float32(1 / float64(len(dst)-1))
			}
		}
		return
	}
	for i := range dst {
		dst[i] = float32(float64(dst[i]) / s)
	}
}

// masked mixes as a board whose network never knew class masked: the
// board keeps such a class after the network's own (its index is past the
// end of the network's distribution, and cache.Mix gives it the cache's
// probability, the network's scaled down by it), while the study keeps the
// class's index. So the class moves to the end for cache.Mix and back.
type masked struct {
	class      int
	pn, pc, mx []float32
}

func newMasked(netClasses, classes, class int) *masked {
	if class < 0 || class >= netClasses {
		return &masked{class: -1}
	}
	return &masked{class: class, pn: make([]float32, netClasses), pc: make([]float32, classes), mx: make([]float32, classes)}
}

// at is where class y sits in the reordered distribution.
func (m *masked) at(y int) int {
	switch {
	case y < m.class:
		return y
	case y == m.class:
		return len(m.pn) - 1
	case y < len(m.pn):
		return y - 1
	}
	return y // a class taught past the network's: already after them
}

func (m *masked) mix(dst, pNet, pCache []float32, lambda float32) error {
	if m.class < 0 {
		return cache.Mix(dst, pNet, pCache, lambda)
	}
	MaskNet(m.pn, pNet, m.class)
	copy(m.pn[m.class:], m.pn[m.class+1:]) // p(masked) is 0: dropped
	for y, p := range pCache {
		m.pc[m.at(y)] = p
	}
	if err := cache.Mix(m.mx, m.pn[:len(m.pn)-1], m.pc, lambda); err != nil {
		return err
	}
	for y := range dst {
		dst[y] = m.mx[m.at(y)]
	}
	return nil
}

// Checked is how many queries of every scoring Score also looks up with the
// board's own lookup (cache.Cache.ProbsBatch) to prove the batched host
// lookup gives the board's answer.
const Checked = 16

// checkTol bounds |host - board| for a p_cache value: both sum the same
// float32 similarities' exponentials in float64, in different orders and
// with different exp approximations (host's 1e-9, the board kernels' 3e-7
// relative) and with float32 dot products in different orders (about
// Dim * 2^-24 * theta relative in each term: 192 * 6e-8 * 90 = 1e-3 at the
// paper's theta). 1e-3 absolute on a probability is far below what changes
// a decision except at exact ties.
const checkTol = 2e-3

// fp16DotErr bounds the error of one dot product of unit vectors in the
// half-precision lookup kernel of arm64 cores with FEAT_FP16 (the Pi 5's;
// README "Speed": 2.5e-4 at most, derived in cache's dotsFP16Bound).
const fp16DotErr = 2.5e-4

// boardTol is checkTol, plus, where the board's lookup runs the fp16
// kernel, what its dot products' error does to a probability: each term's
// exponent moves by theta * fp16DotErr at most, so a normalised value by
// a factor within exp(+-2 theta fp16DotErr), i.e. by at most that minus 1.
func boardTol(theta float32) float64 {
	if cache.Kernel() != "neon-fp16" {
		return checkTol
	}
	return checkTol + math.Expm1(2*float64(theta)*fp16DotErr)
}

// Outcome is the board's decision for every query of one scoring.
type Outcome struct {
	Pred []int // the mixture's top-1 class per query
	// CachePred is p_cache's own top-1 per query (the cache alone, the
	// paper's CacheOnly at the mixture's theta).
	CachePred []int
	// MaxDiff is the largest |p_cache host - p_cache board| over the
	// checked sample.
	MaxDiff float64
}

// Score classifies every query of e with the board's mixture: p_cache from
// c (host.Probs at c.Theta), the network's distribution masked by MaskNet
// (masked < 0: none), cache.Mix at c.Lambda, and the board's argmax (the
// first of equal probabilities). It checks Checked queries, spread over e,
// against the board's lookup and fails if they disagree by more than the
// numerical tolerance.
func Score(c *cache.Cache, e *Encoded, masked int, workers int) (*Outcome, error) {
	if e.Dim != c.Dim() {
		return nil, fmt.Errorf("fewshot: keys of %d values, the cache's are %d", e.Dim, c.Dim())
	}
	if e.NetClasses > c.Classes() {
		return nil, fmt.Errorf("fewshot: network of %d classes, cache of %d", e.NetClasses, c.Classes())
	}
	n := e.Len()
	if n == 0 {
		return nil, fmt.Errorf("fewshot: no queries to score")
	}
	out, err := host.Probs(c, e.Keys, []float64{float64(c.Theta)}, host.SimOptions{Workers: workers})
	if err != nil {
		return nil, fmt.Errorf("fewshot: %w", err)
	}
	pc := out[0]
	k := c.Classes()
	o := &Outcome{Pred: make([]int, n), CachePred: make([]int, n)}
	m := newMasked(e.NetClasses, k, masked)
	mix := make([]float32, k)
	for i := 0; i < n; i++ {
		if err := m.mix(mix, e.Net(i), pc[i*k:(i+1)*k], c.Lambda); err != nil {
			return nil, err
		}
		o.Pred[i] = argmax(mix)
		o.CachePred[i] = argmax(pc[i*k : (i+1)*k])
	}
	board := make([]float32, k)
	for s := 0; s < min(Checked, n); s++ {
		i := s * n / min(Checked, n)
		if err := c.ProbsBatch(board, e.Key(i), c.Theta); err != nil {
			return nil, err
		}
		for y, v := range board {
			o.MaxDiff = max(o.MaxDiff, math.Abs(float64(v-pc[i*k+y])))
		}
	}
	if tol := boardTol(c.Theta); o.MaxDiff > tol {
		return nil, fmt.Errorf("fewshot: the host lookup differs from the board's by %.3g (tolerance %.2g)", o.MaxDiff, tol)
	}
	return o, nil
}

func argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
