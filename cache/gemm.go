package cache

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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
	// QueryChunk caps the queries a worker takes at once (default 4096): the
	// keys are converted once per chunk, and a reducer keeps state for one
	// chunk per worker.
	QueryChunk int
}

// Blocking of the scan (BLIS-style; see gemmKernel). A packed block of
// gemmNC keys x gemmKC dims (512 KiB) stays in L2, a micro-panel of mr
// queries x gemmKC (12 KiB for AVX-512) in L1; gemmMC queries are packed per
// step (192 KiB, L2). gemmMC is a multiple of every kernel's mr (12, 6, 4).
const (
	gemmKC = 256
	gemmNC = 512
	gemmMC = 192
)

// Similarities computes the dot product of every query (queries holds
// rows of c.Dim() float32 values) with every key of c as a blocked matrix
// product on all cores: keys are converted from fp16 in blocks and packed,
// and a SIMD micro-kernel accumulates in fp32. It calls fn with each block of
// results, from Workers goroutines at once. Each worker owns whole query
// chunks: for a chunk, fn receives the key blocks in order, the first with
// K0 = 0 and the last with K0+NK = c.Len(), before the worker moves on, so
// per-query reductions need no locks. fn must not keep b.Sims after it
// returns.
func Similarities(queries []float32, c *Cache, opt SimOptions, fn func(worker int, b SimBlock)) error {
	return similarities(pickGemm(), queries, c, opt, fn)
}

func similarities(gk *gemmKernel, queries []float32, c *Cache, opt SimOptions, fn func(int, SimBlock)) error {
	dim := c.Dim()
	if len(queries)%dim != 0 {
		return fmt.Errorf("cache: %d query values are not a whole number of %d-value keys", len(queries), dim)
	}
	nq, nk := len(queries)/dim, c.Len()
	if nq == 0 || nk == 0 {
		return nil
	}
	for i, v := range queries {
		if !finite(v) {
			return fmt.Errorf("cache: query %d holds %v", i/dim, v)
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := opt.QueryChunk
	if chunk <= 0 {
		chunk = 4096
	}
	// Enough chunks that every worker has some.
	chunk = min(chunk, (nq+workers-1)/workers)
	nchunks := (nq + chunk - 1) / chunk
	workers = min(workers, nchunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScan(gk, c, chunk)
			for {
				ch := int(next.Add(1) - 1)
				if ch >= nchunks {
					return
				}
				q0 := ch * chunk
				q1 := min(q0+chunk, nq)
				s.chunk(queries[q0*dim:q1*dim], q0, func(b SimBlock) { fn(w, b) })
			}
		}()
	}
	wg.Wait()
	return nil
}

// scan is one worker's packing buffers and result block.
type scan struct {
	gk     *gemmKernel
	c      *Cache
	a, b   []float32 // packed queries (gemmMC x gemmKC), keys (gemmNC x gemmKC)
	sims   []float32 // chunk x ldc
	ldc    int
	row    []float32 // one converted key slice
	maxRow int
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

func newScan(gk *gemmKernel, c *Cache, chunk int) *scan {
	ldc := roundUp(gemmNC, gk.nr)
	return &scan{
		gk:   gk,
		c:    c,
		a:    make([]float32, gemmMC*gemmKC),
		b:    make([]float32, ldc*gemmKC),
		sims: make([]float32, roundUp(chunk, gk.mr)*ldc),
		ldc:  ldc,
		row:  make([]float32, gemmKC),
	}
}

// chunk scores queries (rows of dim; the first is query q0) against all keys.
func (s *scan) chunk(queries []float32, q0 int, emit func(SimBlock)) {
	c, gk, ldc := s.c, s.gk, s.ldc
	dim, nk := c.dim, c.Len()
	mq := len(queries) / dim
	mqPad := roundUp(mq, gk.mr)
	for k0 := 0; k0 < nk; k0 += gemmNC {
		nb := min(gemmNC, nk-k0)
		nbPad := roundUp(nb, gk.nr)
		clear(s.sims[:mqPad*ldc])
		for pc := 0; pc < dim; pc += gemmKC {
			kc := min(gemmKC, dim-pc)
			s.packKeys(k0, nb, nbPad, pc, kc)
			for i0 := 0; i0 < mq; i0 += gemmMC {
				m := min(gemmMC, mq-i0)
				mPad := roundUp(m, gk.mr)
				s.packQueries(queries, i0, m, mPad, pc, kc)
				for ip := 0; ip < mPad; ip += gk.mr {
					a := s.a[ip*kc : (ip+gk.mr)*kc]
					for jp := 0; jp < nbPad; jp += gk.nr {
						gk.run(kc, a, s.b[jp*kc:(jp+gk.nr)*kc], s.sims[(i0+ip)*ldc+jp:], ldc)
					}
				}
			}
		}
		emit(SimBlock{Q0: q0, NQ: mq, K0: k0, NK: nb, Sims: s.sims[:mq*ldc], Stride: ldc})
	}
}

// packKeys converts keys k0..k0+nb-1, dims pc..pc+kc-1, into panels of nr
// keys: b[p*kc*nr + k*nr + j] = key k0+p*nr+j, dim pc+k (zero past nb).
func (s *scan) packKeys(k0, nb, nbPad, pc, kc int) {
	nr, dim := s.gk.nr, s.c.dim
	row := s.row[:kc]
	for j := 0; j < nbPad; j++ {
		panel := s.b[(j/nr)*kc*nr : (j/nr+1)*kc*nr]
		col := j % nr
		if j >= nb {
			for k := 0; k < kc; k++ {
				panel[k*nr+col] = 0
			}
			continue
		}
		key := k0 + j
		f16to32(kernels, row, s.c.keys[key*dim+pc:key*dim+pc+kc])
		for k, v := range row {
			panel[k*nr+col] = v
		}
	}
}

// packQueries lays out queries i0..i0+m-1, dims pc..pc+kc-1, in panels of mr:
// a[p*kc*mr + k*mr + i] = query i0+p*mr+i, dim pc+k (zero past m).
func (s *scan) packQueries(queries []float32, i0, m, mPad, pc, kc int) {
	mr, dim := s.gk.mr, s.c.dim
	for i := 0; i < mPad; i++ {
		panel := s.a[(i/mr)*kc*mr : (i/mr+1)*kc*mr]
		r := i % mr
		if i >= m {
			for k := 0; k < kc; k++ {
				panel[k*mr+r] = 0
			}
			continue
		}
		q := queries[(i0+i)*dim+pc : (i0+i)*dim+pc+kc]
		for k, v := range q {
			panel[k*mr+r] = v
		}
	}
}

// run calls the micro-kernel after checking every index it will touch.
func (g *gemmKernel) run(kc int, a, b, c []float32, ldc int) {
	_ = a[kc*g.mr-1]
	_ = b[kc*g.nr-1]
	_ = c[(g.mr-1)*ldc+g.nr-1]
	if g.fn == nil {
		gemmGeneric(g.mr, g.nr, kc, a, b, c, ldc)
		return
	}
	g.fn(kc, &a[0], &b[0], &c[0], ldc)
}
