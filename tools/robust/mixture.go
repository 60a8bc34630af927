package robust

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
)

// Head is one setting of the paper's mixture
// p = (1 - Lambda) softmax(logits) + Lambda p_cache(theta): Cache3 is the
// tuned (theta, lambda), CacheOnly lambda 1 with its own theta.
type Head struct {
	Name          string
	Theta, Lambda float64
}

// Mixture is the differentiable host model of a cache: the key made from the
// taps (pooling, the projection, L2 normalisation, as cache.Spec.Key), the
// similarities with every stored key (host.Keys: the SIMD scan of the fp16
// keys, laid out once), exp(theta (s - s_max)) weighted by each item's
// multiplicity, the class sums and their normalisation. Safe for concurrent
// use.
type Mixture struct {
	Cache *cache.Cache
	spec  cache.Spec
	wt    []float32 // the projection's W transposed (Cols x Rows), float32; nil without one

	// keys is the cache's keys laid out for the scan, made at the first
	// lookup and kept: an attack scans the same keys thousands of times.
	pack sync.Once
	keys *host.Keys
}

// packed returns the keys laid out for the scan (a copy as large as the
// cache's keys, made once).
func (m *Mixture) packed() *host.Keys {
	m.pack.Do(func() { m.keys = host.PackKeys(m.Cache) })
	return m.keys
}

// cutoff drops items whose term is below e^-30 (1e-13) of the largest from the
// gradient's key sums: 100,000 of them change a probability by 1e-8.
const cutoff = 30

// gradTol bounds the share of the mixture's mass whose keys the gradient's
// sums leave out: keys are unit vectors, so each M_c moves by at most gradTol
// (in norm) while p_cache keeps every term. With theta near 90 most of the
// 90,000 items lie within the e^-30 cutoff of the largest term but carry a
// vanishing share, and skipping them is what makes the sums cheap. The cut
// is found from a histogram of the terms' exponents in cutBins bins.
const (
	gradTol = 1e-6
	cutBins = 3000
)

// scanQueries caps the queries of one scan that keeps the per-class key
// sums: 128 rows of 100,000 float32 similarities are 51 MB, and their sums
// (10 classes x 12,288 float64 per query and head) 126 MB.
const scanQueries = 128

// NewMixture prepares the mixture of c.
func NewMixture(c *cache.Cache) (*Mixture, error) {
	if c == nil || c.Len() == 0 {
		return nil, fmt.Errorf("robust: empty cache")
	}
	m := &Mixture{Cache: c, spec: c.Spec()}
	if p := m.spec.Proj; p != nil {
		m.wt = make([]float32, p.Rows*p.Cols)
		for col := 0; col < p.Cols; col++ {
			for r := 0; r < p.Rows; r++ {
				m.wt[col*p.Rows+r] = p.At(r, col)
			}
		}
	}
	return m, nil
}

// TapNames lists the taps keys are made from, in the spec's order.
func (m *Mixture) TapNames() []string {
	names := make([]string, len(m.spec.Taps))
	for i, t := range m.spec.Taps {
		names[i] = t.Name
	}
	return names
}

// Query is one image's key and what its backward pass needs.
type Query struct {
	Key  []float32 // unit length (Dim values)
	norm float64   // ||z||, the key before normalisation
}

// MakeKey builds the query key of one image's taps (in the spec's order) as
// cache.Spec.Key does, in float64.
func (m *Mixture) MakeKey(taps [][]float32) (Query, error) {
	if len(taps) != len(m.spec.Taps) {
		return Query{}, fmt.Errorf("robust: %d taps for a key of %d", len(taps), len(m.spec.Taps))
	}
	raw := make([]float64, 0, m.spec.RawDim())
	for i, t := range m.spec.Taps {
		if len(taps[i]) != t.C*t.H*t.W {
			return Query{}, fmt.Errorf("robust: tap %q has %d values, want %d", t.Name, len(taps[i]), t.C*t.H*t.W)
		}
		raw = poolTap(raw, taps[i], t)
	}
	z := raw
	if p := m.spec.Proj; p != nil {
		for i, mu := range p.Mean {
			raw[i] -= float64(mu)
		}
		z = make([]float64, p.Rows)
		for col, v := range raw {
			if v == 0 {
				continue
			}
			for r, w := range m.wt[col*p.Rows : (col+1)*p.Rows] {
				z[r] += v * float64(w)
			}
		}
	}
	var ss float64
	for _, v := range z {
		ss += v * v
	}
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		return Query{}, fmt.Errorf("robust: key holds non-finite values")
	}
	q := Query{Key: make([]float32, len(z)), norm: math.Sqrt(ss)}
	if ss > 0 {
		for i, v := range z {
			q.Key[i] = float32(v / q.norm)
		}
	}
	return q, nil
}

// KeyBackward turns dL/dkey into dL/dtap for each tap (the transpose of the
// normalisation, the projection and the pooling).
func (m *Mixture) KeyBackward(q Query, gKey []float64) [][]float32 {
	gz := make([]float64, len(gKey))
	if q.norm > 0 {
		var dot float64
		for i, g := range gKey {
			dot += g * float64(q.Key[i])
		}
		for i, g := range gKey {
			gz[i] = (g - dot*float64(q.Key[i])) / q.norm
		}
	}
	graw := gz
	if p := m.spec.Proj; p != nil {
		graw = make([]float64, p.Cols)
		for col := range graw {
			var s float64
			for r, w := range m.wt[col*p.Rows : (col+1)*p.Rows] {
				s += float64(w) * gz[r]
			}
			graw[col] = s
		}
	}
	out := make([][]float32, len(m.spec.Taps))
	o := 0
	for i, t := range m.spec.Taps {
		out[i] = make([]float32, t.C*t.H*t.W)
		o += unpoolTap(out[i], graw[o:], t)
	}
	return out
}

// poolTap appends tap x's part of the raw key (cache.TapSpec's pooling).
func poolTap(dst []float64, x []float32, t cache.TapSpec) []float64 {
	switch t.Pool {
	case cache.PoolAvg:
		hw := t.H * t.W
		for c := 0; c < t.C; c++ {
			var s float64
			for _, v := range x[c*hw : (c+1)*hw] {
				s += float64(v)
			}
			dst = append(dst, s/float64(hw))
		}
	case cache.PoolAvg2:
		for c := 0; c < t.C; c++ {
			plane := x[c*t.H*t.W : (c+1)*t.H*t.W]
			for y := 0; y < t.H; y += 2 {
				for xx := 0; xx < t.W; xx += 2 {
					var s float64
					n := 0
					for dy := 0; dy < 2 && y+dy < t.H; dy++ {
						for dx := 0; dx < 2 && xx+dx < t.W; dx++ {
							s += float64(plane[(y+dy)*t.W+xx+dx])
							n++
						}
					}
					dst = append(dst, s/float64(n))
				}
			}
		}
	default:
		for _, v := range x {
			dst = append(dst, float64(v))
		}
	}
	return dst
}

// unpoolTap writes the gradient of tap t's values given g, the gradient of
// its part of the raw key, and returns that part's length.
func unpoolTap(dst []float32, g []float64, t cache.TapSpec) int {
	switch t.Pool {
	case cache.PoolAvg:
		hw := t.H * t.W
		for c := 0; c < t.C; c++ {
			v := float32(g[c] / float64(hw))
			for j := c * hw; j < (c+1)*hw; j++ {
				dst[j] = v
			}
		}
		return t.C
	case cache.PoolAvg2:
		o := 0
		for c := 0; c < t.C; c++ {
			plane := dst[c*t.H*t.W : (c+1)*t.H*t.W]
			for y := 0; y < t.H; y += 2 {
				for xx := 0; xx < t.W; xx += 2 {
					n := min(2, t.H-y) * min(2, t.W-xx)
					v := float32(g[o] / float64(n))
					for dy := 0; dy < 2 && y+dy < t.H; dy++ {
						for dx := 0; dx < 2 && xx+dx < t.W; dx++ {
							plane[(y+dy)*t.W+xx+dx] = v
						}
					}
					o++
				}
			}
		}
		return o
	}
	for i := range dst {
		dst[i] = float32(g[i])
	}
	return len(dst)
}

// Lookup is p_cache of one query under one head and, when asked for, the
// per-class sums of keys weighted by their share of p_cache,
// M_c = sum over items i of class c of (a_i / Z) k_i, from which the gradient
// of p_cache with respect to the key follows for any seed (CacheGrad).
type Lookup struct {
	P     []float64
	M     [][]float64 // Classes x Dim; nil unless asked for
	Theta float64
}

// Lookups scores queries (rows of Dim values) under every head; with sums it
// also keeps each Lookup's M. out[q][h] is query q under head h.
//
// Without sums it is one host.Probs scan for all queries and heads (of the
// keys packed once per Mixture, host.Keys). With
// sums, queries go scanQueries at a time: one similarity scan (keys read
// once for the whole batch, not once per query), then one pass over the items
// on all cores in which each key is decoded once and added to the M of every
// query it weighs on. This is what makes white-box attacks on a 90,000-item
// cache feasible: a batch of images advanced in lock step costs two passes
// over the keys per step, not two per image.
func (m *Mixture) Lookups(queries [][]float32, heads []Head, sums bool) ([][]Lookup, error) {
	c := m.Cache
	dim, classes := c.Dim(), c.Classes()
	if len(heads) == 0 {
		return nil, fmt.Errorf("robust: no heads")
	}
	for _, q := range queries {
		if len(q) != dim {
			return nil, fmt.Errorf("robust: query of %d values for keys of %d", len(q), dim)
		}
	}
	out := make([][]Lookup, len(queries))
	if len(queries) == 0 {
		return out, nil
	}
	if !sums {
		flat := make([]float32, 0, len(queries)*dim)
		for _, q := range queries {
			flat = append(flat, q...)
		}
		thetas := make([]float64, len(heads))
		for h, hd := range heads {
			thetas[h] = hd.Theta
		}
		ps, err := m.packed().Probs(flat, thetas, host.SimOptions{})
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = make([]Lookup, len(heads))
			for h, hd := range heads {
				l := Lookup{P: make([]float64, classes), Theta: hd.Theta}
				for y := range l.P {
					l.P[y] = float64(ps[h][i*classes+y])
				}
				out[i][h] = l
			}
		}
		return out, nil
	}
	for q0 := 0; q0 < len(queries); q0 += scanQueries {
		nq := min(scanQueries, len(queries)-q0)
		if err := m.lookupSums(out[q0:q0+nq], queries[q0:q0+nq], heads); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lookupSums fills out (one row per query, at most scanQueries) with P and M
// under every head.
func (m *Mixture) lookupSums(out [][]Lookup, queries [][]float32, heads []Head) error {
	c := m.Cache
	dim, n, classes := c.Dim(), c.Len(), c.Classes()
	nq := len(queries)
	flat := make([]float32, 0, nq*dim)
	for _, q := range queries {
		flat = append(flat, q...)
	}
	sims := make([]float32, nq*n)
	err := m.packed().Similarities(flat, host.SimOptions{}, func(_ int, b host.SimBlock) {
		for i := 0; i < b.NQ; i++ {
			copy(sims[(b.Q0+i)*n+b.K0:], b.Sims[i*b.Stride:i*b.Stride+b.NK])
		}
	})
	if err != nil {
		return err
	}
	// P, the largest similarity, the normaliser and the gradient's cut of
	// each query and head.
	smax := make([]float64, nq)
	z := make([][]float64, nq)
	cut := make([][]float64, nq)
	var mass [cutBins]float64
	for i := range queries {
		row := sims[i*n : (i+1)*n]
		smax[i] = math.Inf(-1)
		for _, s := range row {
			smax[i] = max(smax[i], float64(s))
		}
		out[i] = make([]Lookup, len(heads))
		z[i] = make([]float64, len(heads))
		cut[i] = make([]float64, len(heads))
		for h, hd := range heads {
			l := Lookup{P: make([]float64, classes), Theta: hd.Theta, M: make([][]float64, classes)}
			clear(mass[:])
			for k, s := range row {
				t := hd.Theta * (float64(s) - smax[i])
				e := math.Exp(t) * float64(c.Weight(k))
				l.P[c.Label(k)] += e
				z[i][h] += e
				if t >= -cutoff {
					mass[min(cutBins-1, int((t+cutoff)*cutBins/cutoff))] += e
				}
			}
			for y := range l.P {
				l.P[y] /= z[i][h]
			}
			// The largest cut whose dropped terms add up to at most gradTol of
			// the whole.
			cut[i][h] = -cutoff
			var dropped float64
			for b := 0; b < cutBins; b++ {
				dropped += mass[b]
				if dropped > gradTol*z[i][h] {
					break
				}
				cut[i][h] = -cutoff + float64(b+1)*cutoff/cutBins
			}
			for y := range l.M {
				l.M[y] = make([]float64, dim)
			}
			out[i][h] = l
		}
	}
	// M: worker w owns the queries i = w mod workers, so no two workers
	// write one sum; each decodes the keys its queries weigh on.
	workers := min(runtime.GOMAXPROCS(0), nq)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := make([]float32, dim)
			type term struct {
				m []float64
				a float64
			}
			var terms []term
			for k := 0; k < n; k++ {
				terms = terms[:0]
				wk, yk := float64(c.Weight(k)), c.Label(k)
				for i := w; i < nq; i += workers {
					s := float64(sims[i*n+k])
					for h, hd := range heads {
						t := hd.Theta * (s - smax[i])
						if t < cut[i][h] {
							continue
						}
						terms = append(terms, term{out[i][h].M[yk], math.Exp(t) * wk / z[i][h]})
					}
				}
				if len(terms) == 0 {
					continue
				}
				key = c.Key(key, k)
				for _, tm := range terms {
					axpy(tm.m, tm.a, key)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// axpy is dst += a * x, four sums at a time.
func axpy(dst []float64, a float64, x []float32) {
	dst = dst[:len(x)]
	j := 0
	for ; j+4 <= len(x); j += 4 {
		dst[j] += a * float64(x[j])
		dst[j+1] += a * float64(x[j+1])
		dst[j+2] += a * float64(x[j+2])
		dst[j+3] += a * float64(x[j+3])
	}
	for ; j < len(x); j++ {
		dst[j] += a * float64(x[j])
	}
}

// CacheGrad is dL/dkey for a seed gP = dL/dp_cache:
// dp_c/dq = theta (M_c - p_c sum_y M_y), so
// dL/dq = theta sum_c (gP_c - gP.p) M_c.
func (l Lookup) CacheGrad(gP []float64) []float64 {
	var bar float64
	for c, g := range gP {
		bar += g * l.P[c]
	}
	out := make([]float64, len(l.M[0]))
	for c, mc := range l.M {
		w := l.Theta * (gP[c] - bar)
		if w == 0 {
			continue
		}
		for j, v := range mc {
			out[j] += w * v
		}
	}
	return out
}
