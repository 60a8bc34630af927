package cache

import (
	"fmt"
	"math"
)

// lookupBlock is how many similarities a lookup computes before folding them
// into the class sums: small enough to stay in L1 on a Pi, large enough that
// the kernel call overhead vanishes. The block is a lookup's whole fixed
// scratch besides the class sums and the key: making the key gathers the
// projection's terms in it first (projectChunk).
const lookupBlock = 256

// cutoff drops terms with theta*(s - max) below -cutoff: each is below
// e^-40 = 4e-18 of the largest term, so even 10^9 of them change a
// probability by less than float32 resolution, and skipping them saves the exp.
const cutoff = 40

// Cutoff is the lookup's cutoff: terms exp(theta * (q.k_i - s_max)) with
// theta * (q.k_i - s_max) < -Cutoff are left out of p_cache's sums.
const Cutoff = cutoff

// Probs writes p_cache(y | q) for every class y into dst (Classes values):
//
//	p_cache(y) = sum over items i of class y of exp(theta * (q.k_i - s_max)) / Z
//
// with s_max the largest similarity, subtracted so that nothing overflows
// (exp(90) is past float32's range; every term here is at most 1). Similarities
// are fp32 dot products of q with the fp16 keys; the sums are float64. The
// keys are scanned in blocks with a running maximum, so a lookup needs no
// per-item scratch. theta must be finite and non-negative. The exponentials
// come from the exps kernels (float32, 3e-7 relative error: far below the
// fp16 keys' effect on theta * s), each term is at most 1 (times its item's
// weight), and the sums are float64.
func (c *Cache) Probs(dst []float32, q []float32, theta float32) error {
	return c.ProbsBatch(dst, q, theta)
}

// ProbsBatch is Probs for m queries at once: qs holds m keys of Dim values,
// dst m rows of Classes values. Four queries share each pass over the keys,
// so the keys are read from memory a quarter as often.
func (c *Cache) ProbsBatch(dst []float32, qs []float32, theta float32) error {
	if c.dim == 0 || len(qs)%c.dim != 0 {
		return fmt.Errorf("cache: %d query values are not a whole number of %d-value keys", len(qs), c.dim)
	}
	m := len(qs) / c.dim
	if len(dst) != m*c.classes {
		return fmt.Errorf("cache: %d outputs for %d queries of %d classes", len(dst), m, c.classes)
	}
	st := lookupState{sims: make([]float32, 4*lookupBlock)}
	all := make([]float64, 4*c.classes)
	for j := range st.sums {
		st.sums[j] = all[j*c.classes : (j+1)*c.classes]
	}
	return c.probs(dst, qs, theta, &st)
}

// probs is ProbsBatch with the caller's scratch; st takes four queries per
// pass when it has room for four blocks of similarities, else one.
func (c *Cache) probs(dst, qs []float32, theta float32, st *lookupState) error {
	if err := c.checkQueries(qs, theta); err != nil {
		return err
	}
	m := len(qs) / c.dim
	for j := 0; j < m; {
		g := 1
		if m-j >= 4 && len(st.sims) >= 4*lookupBlock {
			g = 4
		}
		st.run(c, qs[j*c.dim:(j+g)*c.dim], g, float64(theta), dst[j*c.classes:(j+g)*c.classes])
		j += g
	}
	return nil
}

// checkQueries refuses what a lookup cannot score: a theta that is not
// finite and non-negative, an empty cache, a query value that is not finite.
func (c *Cache) checkQueries(qs []float32, theta float32) error {
	if !finite(theta) || theta < 0 {
		return fmt.Errorf("cache: theta %v (want finite, >= 0)", theta)
	}
	if c.Len() == 0 {
		return fmt.Errorf("cache: lookup in an empty cache")
	}
	for i, v := range qs {
		if !finite(v) {
			return fmt.Errorf("cache: query %d holds %v", i/c.dim, v)
		}
	}
	return nil
}

// lookupState is the scratch of one lookup of up to four queries: a block of
// similarities per query (sims[j*lookupBlock:]) and their class sums.
type lookupState struct {
	sims []float32
	max  [4]float64
	sums [4][]float64
}

// run scores g (1 or 4) queries against every key and writes their
// distributions.
func (st *lookupState) run(c *Cache, qs []float32, g int, theta float64, dst []float32) {
	for j := 0; j < g; j++ {
		st.max[j] = math.Inf(-1)
		clear(st.sums[j])
	}
	n, dim := c.Len(), c.dim
	for k0 := 0; k0 < n; k0 += lookupBlock {
		b := min(lookupBlock, n-k0)
		keys := c.keys[k0*dim : (k0+b)*dim]
		if g == 4 {
			dots4(kernels, st.sims, lookupBlock, keys, qs, b, dim)
		} else {
			dots(kernels, st.sims[:b], keys, qs)
		}
		for j := 0; j < g; j++ {
			st.fold(j, st.sims[j*lookupBlock:j*lookupBlock+b], c.labels[k0:k0+b], c.weightsOf(k0, b), theta)
		}
	}
	for j := 0; j < g; j++ {
		var z float64
		for _, v := range st.sums[j] {
			z += v
		}
		out := dst[j*c.classes : (j+1)*c.classes]
		for y, v := range st.sums[j] {
			out[y] = float32(v / z) // z >= 1: the largest term is exp(0)
		}
	}
}

// fold adds one block of similarities of query j to its class sums (each term
// times its item's weight when weights is not nil), rescaling the sums when
// the block raises the running maximum.
func (st *lookupState) fold(j int, sims []float32, labels, weights []uint16, theta float64) {
	bmax32 := sims[0]
	for _, s := range sims[1:] {
		if s > bmax32 {
			bmax32 = s
		}
	}
	if bmax := float64(bmax32); bmax > st.max[j] {
		if !math.IsInf(st.max[j], -1) {
			scale := math.Exp(theta * (st.max[j] - bmax))
			for y := range st.sums[j] {
				st.sums[j][y] *= scale
			}
		}
		st.max[j] = bmax
	} else if (bmax32-float32(st.max[j]))*float32(theta) < -cutoff {
		// Every term of the block is past the cutoff, where exps gives 0
		// (the same float32 test; it is monotone in s): nothing to add.
		return
	}
	// The terms, in place: exp(theta (s - max)), 0 past the cutoff.
	exps(kernels, sims, sims, float32(theta), float32(st.max[j]))
	sums := st.sums[j]
	if weights != nil {
		for i, e := range sims {
			sums[labels[i]] += float64(weights[i]) * float64(e)
		}
		return
	}
	// Items of a class tend to sit together (a fit's prototypes are made
	// class by class), so runs of one label are summed in registers; two
	// partial sums break the chain of float64 adds.
	for i := 0; i < len(sims); {
		y := labels[i]
		var s0, s1 float64
		k := i
		for ; k+1 < len(sims) && labels[k] == y && labels[k+1] == y; k += 2 {
			s0 += float64(sims[k])
			s1 += float64(sims[k+1])
		}
		if k < len(sims) && labels[k] == y {
			s0 += float64(sims[k])
			k++
		}
		sums[y] += s0 + s1
		i = k
	}
}

// weightsOf is the weights of items k0..k0+n-1, nil when all are 1.
func (c *Cache) weightsOf(k0, n int) []uint16 {
	if c.weights == nil {
		return nil
	}
	return c.weights[k0 : k0+n]
}

// TapProbs is the board's lookup of one image: the key made from its taps
// (given in the order of the spec's taps) and p_cache of it at the cache's
// theta, written into dst (Classes values). sc is the frame's working memory
// from NewScratch, so a frame allocates nothing.
func (c *Cache) TapProbs(dst []float32, sc *Scratch, taps [][]float32) error {
	if sc == nil || len(sc.key) != c.dim || len(sc.raw) != c.spec.rawScratch() || len(sc.sums) != c.classes {
		return fmt.Errorf("cache: lookup scratch not made by this cache's NewScratch")
	}
	if len(dst) != c.classes {
		return fmt.Errorf("cache: %d outputs for %d classes", len(dst), c.classes)
	}
	if err := c.spec.key(sc.key, &sc.keyScratch, taps); err != nil {
		return err
	}
	st := lookupState{sims: sc.block}
	st.sums[0] = sc.sums
	return c.probs(dst, sc.key, c.Theta, &st)
}

// Mix writes the paper's mixture (1 - lambda) * pNet + lambda * pCache into
// dst (lambda 0: the network alone; 1: CacheOnly).
//
// pNet may be shorter than pCache and dst: classes taught on the board
// after the network was trained (GrowClasses) have no network probability.
// The network's distribution is then read as conditional on the image
// being of a class it knows, and the cache says how likely that is: with
// u the cache's probability of the new classes, a known class y gets
// (1 - lambda) * pNet[y] * (1 - u) + lambda * pCache[y] and a new class
// pCache[y]. This sums to 1 and is the paper's mixture when u is 0. (Zero
// network probability for new classes instead would cap them at lambda
// times their cache probability: a new class could win only where the
// cache is sure of it and the network unsure of everything.)
//
// The board mixes float32; host models that differentiate the mixture
// (tools/robust) mix float64 with this same formula.
func Mix[F float32 | float64](dst, pNet, pCache []F, lambda F) error {
	if len(pCache) != len(dst) || len(pNet) > len(dst) {
		return fmt.Errorf("cache: mixing %d network and %d cache probabilities into %d", len(pNet), len(pCache), len(dst))
	}
	if !(lambda >= 0 && lambda <= 1) {
		return fmt.Errorf("cache: lambda %v outside 0..1", lambda)
	}
	known := F(1)
	for _, p := range pCache[len(pNet):] {
		known -= p
	}
	known = max(known, 0)
	for i := range pNet {
		dst[i] = (1-lambda)*pNet[i]*known + lambda*pCache[i]
	}
	copy(dst[len(pNet):], pCache[len(pNet):])
	return nil
}
