package host

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/edgecache/edgecache/cache"
)

// SimBlock is one block of the query x key similarity matrix:
// Sims[i*Stride+j] = query Q0+i . key K0+j for i < NQ, j < NK.
type SimBlock struct {
	Q0, NQ int
	K0, NK int
	Sims   []float32
	Stride int
}

// SimOptions tunes the host scan; the zero value is the default.
type SimOptions struct {
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int
	// QueryChunk caps the queries a worker takes at once (default 2048): the
	// worker packs them (4*Dim bytes each) and passes over all keys once per
	// chunk, and a reducer keeps state for one chunk per worker.
	QueryChunk int
}

// Blocking of the scan (BLIS-style; see gemmKernel). Keys are laid out once
// per scan in panels of nr keys, dimension-major, still fp16 (keyPanels);
// the queries of a chunk are packed once in panels of mr. A block of gemmNC
// keys x gemmKC dims (256 KiB of fp16) stays in L2 while every query panel
// passes over it; one query micro-panel (mr x gemmKC float32, 12 KiB for
// AVX-512) stays in L1 across the block's key panels. gemmNC is a multiple of
// every kernel's nr (32, 16, 8).
const (
	gemmKC = 256
	gemmNC = 512
)

// Similarities computes the dot product of every query (queries holds
// rows of c.Dim() float32 values) with every key of c as a blocked matrix
// product on all cores: the SIMD micro-kernel converts blocks of fp16 keys as
// it loads them and accumulates in fp32. Each call first lays the keys out in
// panels (a copy as large as the keys, dropped when it returns); callers that
// scan one cache many times pack it once with PackKeys. It calls fn with each
// block of results, from Workers goroutines at once. Each worker owns whole
// query chunks: for a chunk, fn receives the key blocks in order, the first
// with K0 = 0 and the last with K0+NK = c.Len(), before the worker moves on,
// so per-query reductions need no locks. fn must not keep b.Sims after it
// returns.
func Similarities(queries []float32, c *cache.Cache, opt SimOptions, fn func(worker int, b SimBlock)) error {
	return similarities(pickGemm(), queries, cacheRows(c), opt, fn)
}

// keyRows is what the scan reads: n keys of dim fp16 values, key i in row(i).
type keyRows struct {
	dim, n int
	row    func(i int) []uint16
}

func cacheRows(c *cache.Cache) keyRows { return keyRows{dim: c.Dim(), n: c.Len(), row: c.KeyBits} }

// bitRows is n keys stored back to back in bits.
func bitRows(bits []uint16, dim int) keyRows {
	return keyRows{dim: dim, n: len(bits) / dim, row: func(i int) []uint16 { return bits[i*dim : (i+1)*dim] }}
}

func similarities(gk *gemmKernel, queries []float32, keys keyRows, opt SimOptions, fn func(int, SimBlock)) error {
	plan, err := planScan(queries, keys.dim, keys.n, opt)
	if err != nil || plan.nq == 0 {
		return err
	}
	return scanPanels(gk, queries, keys.dim, keys.n, keyPanels(keys, gk.nr, plan.workers), plan, fn)
}

// scanPlan is how one scan splits its queries among workers.
type scanPlan struct {
	nq, chunk, nchunks, workers int
}

// planScan checks the queries and splits them; nq 0 means nothing to do.
func planScan(queries []float32, dim, nk int, opt SimOptions) (scanPlan, error) {
	if dim < 1 || len(queries)%dim != 0 {
		return scanPlan{}, fmt.Errorf("host: %d query values are not a whole number of %d-value keys", len(queries), dim)
	}
	nq := len(queries) / dim
	if nq == 0 || nk == 0 {
		return scanPlan{}, nil
	}
	for i, v := range queries {
		if !finite(v) {
			return scanPlan{}, fmt.Errorf("host: query %d holds %v", i/dim, v)
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := opt.QueryChunk
	if chunk <= 0 {
		chunk = 2048
	}
	// Enough chunks that every worker has some.
	chunk = min(chunk, (nq+workers-1)/workers)
	nchunks := (nq + chunk - 1) / chunk
	return scanPlan{nq: nq, chunk: chunk, nchunks: nchunks, workers: min(workers, nchunks)}, nil
}

// scanPanels runs a planned scan over keys already laid out by keyPanels
// for gk's nr.
func scanPanels(gk *gemmKernel, queries []float32, dim, nk int, panels []uint16, plan scanPlan, fn func(int, SimBlock)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < plan.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScan(gk, dim, nk, panels, plan.chunk)
			for {
				ch := int(next.Add(1) - 1)
				if ch >= plan.nchunks {
					return
				}
				q0 := ch * plan.chunk
				q1 := min(q0+plan.chunk, plan.nq)
				s.chunk(queries[q0*dim:q1*dim], q0, func(b SimBlock) { fn(w, b) })
			}
		}()
	}
	wg.Wait()
	return nil
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// scan is one worker's packed queries and result block.
type scan struct {
	gk      *gemmKernel
	dim, nk int
	panels  []uint16
	a       []float32 // packed queries: panels of mr, dimension-major
	sims    []float32 // chunk x ldc
	ldc     int
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

func newScan(gk *gemmKernel, dim, nk int, panels []uint16, chunk int) *scan {
	ldc := roundUp(gemmNC, gk.nr)
	mqPad := roundUp(chunk, gk.mr)
	return &scan{
		gk:     gk,
		dim:    dim,
		nk:     nk,
		panels: panels,
		a:      make([]float32, mqPad*dim),
		sims:   make([]float32, mqPad*ldc),
		ldc:    ldc,
	}
}

// chunk scores queries (rows of dim; the first is query q0) against all keys.
func (s *scan) chunk(queries []float32, q0 int, emit func(SimBlock)) {
	gk, ldc := s.gk, s.ldc
	mr, nr := gk.mr, gk.nr
	dim, nk := s.dim, s.nk
	mq := len(queries) / dim
	mqPad := roundUp(mq, mr)
	s.packQueries(queries, mq, mqPad)
	for k0 := 0; k0 < nk; k0 += gemmNC {
		nb := min(gemmNC, nk-k0)
		nbPad := roundUp(nb, nr)
		clear(s.sims[:mqPad*ldc])
		for pc := 0; pc < dim; pc += gemmKC {
			kc := min(gemmKC, dim-pc)
			for ip := 0; ip < mqPad; ip += mr {
				a := s.a[ip*dim+pc*mr : ip*dim+(pc+kc)*mr]
				for jp := 0; jp < nbPad; jp += nr {
					p := (k0 + jp) * dim // panel (k0+jp)/nr starts at its first key * dim
					gk.run(kc, a, s.panels[p+pc*nr:p+(pc+kc)*nr], s.sims[ip*ldc+jp:], ldc)
				}
			}
		}
		emit(SimBlock{Q0: q0, NQ: mq, K0: k0, NK: nb, Sims: s.sims[:mq*ldc], Stride: ldc})
	}
}

// packQueries lays the chunk out in panels of mr queries, dimension-major:
// a[p*dim*mr + k*mr + i] = query p*mr+i, dim k (zero past mq).
func (s *scan) packQueries(queries []float32, mq, mqPad int) {
	mr, dim := s.gk.mr, s.dim
	for i := 0; i < mqPad; i++ {
		panel := s.a[(i/mr)*dim*mr : (i/mr+1)*dim*mr]
		r := i % mr
		if i >= mq {
			for k := 0; k < dim; k++ {
				panel[k*mr+r] = 0
			}
			continue
		}
		for k, v := range queries[i*dim : (i+1)*dim] {
			panel[k*mr+r] = v
		}
	}
}

// keyPanels returns the keys in panels of nr, dimension-major, still fp16:
// panels[p*dim*nr + k*nr + j] = key p*nr+j, dim k (zero past the last key),
// laid out by workers goroutines.
func keyPanels(keys keyRows, nr, workers int) []uint16 {
	dim, n := keys.dim, keys.n
	np := (n + nr - 1) / nr
	out := make([]uint16, np*nr*dim)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := int(next.Add(1) - 1)
				if p >= np {
					return
				}
				panel := out[p*nr*dim : (p+1)*nr*dim]
				for j := 0; j < nr && p*nr+j < n; j++ {
					for k, h := range keys.row(p*nr + j) {
						panel[k*nr+j] = h
					}
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// run calls the micro-kernel after checking every index it will touch.
func (g *gemmKernel) run(kc int, a []float32, b []uint16, c []float32, ldc int) {
	_ = a[kc*g.mr-1]
	_ = b[kc*g.nr-1]
	_ = c[(g.mr-1)*ldc+g.nr-1]
	if g.fn == nil {
		gemmGeneric(g.mr, g.nr, kc, a, b, c, ldc)
		return
	}
	g.fn(kc, &a[0], &b[0], &c[0], ldc)
}
