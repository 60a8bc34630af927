package host

import (
	"fmt"
	"runtime"

	"github.com/edgecache/edgecache/cache"
)

// Keys is a cache's keys laid out once for the similarity scan: the panels
// Similarities otherwise makes (and drops) on every call. A study that scans
// one large cache many times (an attack scoring thousands of candidate images
// against 90,000 keys of 12,288 values, 2.2 GB) packs it once and pays the
// copy once instead of per scan. The layout is the picked micro-kernel's, so
// results equal Similarities' bit for bit. It holds a copy as large as the
// keys; the cache must not change while Keys is in use (a cache that grew is
// refused). Safe for concurrent use.
type Keys struct {
	c      *cache.Cache
	gk     *gemmKernel
	dim, n int
	panels []uint16
}

// PackKeys lays c's keys out for the scan on all cores.
func PackKeys(c *cache.Cache) *Keys {
	return packKeys(pickGemm(), c)
}

func packKeys(gk *gemmKernel, c *cache.Cache) *Keys {
	rows := cacheRows(c)
	return &Keys{c: c, gk: gk, dim: rows.dim, n: rows.n, panels: keyPanels(rows, gk.nr, runtime.GOMAXPROCS(0))}
}

// Len is the number of keys packed.
func (k *Keys) Len() int { return k.n }

// Cache is the cache whose keys these are.
func (k *Keys) Cache() *cache.Cache { return k.c }

func (k *Keys) check() error {
	if k.c.Len() != k.n || k.c.Dim() != k.dim {
		return fmt.Errorf("host: the cache changed after its keys were packed (%d x %d, now %d x %d)", k.n, k.dim, k.c.Len(), k.c.Dim())
	}
	return nil
}

// Similarities is the package's Similarities over the packed keys.
func (k *Keys) Similarities(queries []float32, opt SimOptions, fn func(worker int, b SimBlock)) error {
	if err := k.check(); err != nil {
		return err
	}
	plan, err := planScan(queries, k.dim, k.n, opt)
	if err != nil || plan.nq == 0 {
		return err
	}
	return scanPanels(k.gk, queries, k.dim, k.n, k.panels, plan, fn)
}

// Probs is the package's Probs over the packed keys.
func (k *Keys) Probs(queries []float32, thetas []float64, opt SimOptions) ([][]float32, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return probs(k.c, queries, thetas, opt, func(opt SimOptions, fn func(int, SimBlock)) error {
		return k.Similarities(queries, opt, fn)
	})
}
