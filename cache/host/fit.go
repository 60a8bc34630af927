package host

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/edgecache/edgecache/cache"
)

// Fitting a cache to a board's memory budget: from a full cache of whole-tap
// keys, remake the keys in a smaller form (Rekey: pooling, a projection),
// size the entries a budget leaves room for (Candidates), and build the
// reduced cache (Pool.Build: a class-balanced subset, or per-class k-means
// prototypes, unweighted or weighted by cluster size). The search over forms
// and budgets is the host tool's `cache fit`.

// Segments splits a whole-tap key of spec into its taps' parts.
func Segments(spec cache.Spec, key []float32) [][]float32 {
	segs := make([][]float32, len(spec.Taps))
	o := 0
	for i, t := range spec.Taps {
		n := t.Len()
		segs[i] = key[o : o+n]
		o += n
	}
	return segs
}

// Rekey remakes whole-tap keys (rows of whole.Dim()) as keys of spec, which
// must have whole's taps (pooled or not, projected or not), on all cores.
func Rekey(spec, whole cache.Spec, keys []float32) ([]float32, error) {
	if len(keys)%whole.Dim() != 0 {
		return nil, fmt.Errorf("host: %d key values are not a whole number of %d-value keys", len(keys), whole.Dim())
	}
	n := len(keys) / whole.Dim()
	return rekey(spec, n, func(dst []float32, i int) []float32 {
		return keys[i*whole.Dim() : (i+1)*whole.Dim()]
	}, whole)
}

// RekeyCache remakes every key of c, a cache of whole-tap keys, as a key of
// spec, on all cores.
func RekeyCache(spec cache.Spec, c *cache.Cache) ([]float32, error) {
	if c.Spec().Proj != nil {
		return nil, fmt.Errorf("host: the cache's keys are projected (%v); rekeying starts from whole-tap keys", c.Spec())
	}
	return rekey(spec, c.Len(), c.Key, c.Spec())
}

// rekey makes n keys of spec from the whole keys key(scratch, i) returns.
func rekey(spec cache.Spec, n int, key func(dst []float32, i int) []float32, whole cache.Spec) ([]float32, error) {
	if len(spec.Taps) != len(whole.Taps) {
		return nil, fmt.Errorf("host: keys of %d taps cannot be remade from %d", len(spec.Taps), len(whole.Taps))
	}
	for i, t := range spec.Taps {
		w := whole.Taps[i]
		if t.Name != w.Name || t.C != w.C || t.H != w.H || t.W != w.W || w.Pool != cache.PoolNone {
			return nil, fmt.Errorf("host: tap %d is %v, the whole keys have %v", i, t, w)
		}
	}
	d := spec.Dim()
	out := make([]float32, n*d)
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch []float32
			for i := w; i < n; i += workers {
				k := key(scratch, i)
				scratch = k
				if err := spec.Key(out[i*d:(i+1)*d], Segments(whole, k)); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Entries is how a fit reduces a cache's items; its values are the names
// the host tool prints and writes to JSON.
type Entries string

const (
	EntriesAll     Entries = "all"     // every item
	EntriesSubset  Entries = "subset"  // a class-balanced random subset
	EntriesKMeans  Entries = "kmeans"  // per-class spherical k-means prototypes
	EntriesWKMeans Entries = "wkmeans" // prototypes weighted by their cluster's size
)

// Clustered reports whether the entries are k-means prototypes (weighted or
// not) rather than items of the full cache.
func (e Entries) Clustered() bool { return e == EntriesKMeans || e == EntriesWKMeans }

// Candidate is one entry reduction: how many items of which kind.
type Candidate struct {
	Entries Entries
	Items   int
}

// Candidates lists the entry reductions of keys made with spec that fit
// budget bytes (cache.Footprint: everything the board holds), for a full
// cache of total items of which the first nFit are the fit split's: as many
// items as the bytes allow, as a class-balanced random subset or, when
// cluster is set and clustering leaves at least two members per prototype,
// as per-class k-means prototypes (unweighted, and weighted at a uint16 more
// per item); or every item when all fit. None when fewer than one item per
// class fits.
func Candidates(spec cache.Spec, classes, total, nFit int, budget int64, cluster bool) []Candidate {
	if spec.Validate() != nil || classes < 1 {
		return nil
	}
	fixed := int64(cache.Footprint(spec, classes, 0, false))
	per := int64(cache.Footprint(spec, classes, 1, false)) - fixed // fp16 key and uint16 label
	n := (budget - fixed) / per
	if n < int64(classes) {
		return nil
	}
	if n >= int64(total) {
		return []Candidate{{EntriesAll, total}}
	}
	out := []Candidate{{EntriesSubset, int(n)}}
	if cluster && 2*int(n) <= nFit {
		out = append(out, Candidate{EntriesKMeans, int(n)})
		wfixed := int64(cache.Footprint(spec, classes, 0, true))
		wper := int64(cache.Footprint(spec, classes, 1, true)) - wfixed
		if nw := int((budget - wfixed) / wper); nw >= classes && 2*nw <= nFit {
			out = append(out, Candidate{EntriesWKMeans, nw})
		}
	}
	return out
}

// Pool is the items a fit builds from: the first Len() items of a full
// cache, with their keys remade in the fit's form (Keys, rows of
// Spec.Dim()) or, when Keys is nil, taken from Full as they are.
type Pool struct {
	Spec   cache.Spec
	Full   *cache.Cache
	Keys   []float32
	Labels []int // the pool's labels: Full's first len(Labels)
}

// NewPool is the first n items of full, with keys (nil: full's own keys,
// then spec must be full's spec) in spec's form.
func NewPool(spec cache.Spec, full *cache.Cache, keys []float32, n int) (*Pool, error) {
	if n < 1 || n > full.Len() {
		return nil, fmt.Errorf("host: a pool of %d of %d items", n, full.Len())
	}
	if keys == nil && full.Spec().Check(spec) != nil {
		return nil, fmt.Errorf("host: keys %v need remade keys; the cache holds %v", spec, full.Spec())
	}
	if keys != nil && len(keys) < n*spec.Dim() {
		return nil, fmt.Errorf("host: %d key values for %d items of %d", len(keys), n, spec.Dim())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = full.Label(i)
	}
	return &Pool{Spec: spec, Full: full, Keys: keys, Labels: labels}, nil
}

// Build makes the candidate's cache from the pool: a class-balanced subset
// of cand.Items (from seed), or per-class k-means prototypes, as many per
// class as that subset holds (at most iters rounds, class y seeded with
// seed+y), weighted by cluster size for EntriesWKMeans (empty clusters
// dropped). Without remade keys only subsets can be built.
func (p *Pool) Build(cand Candidate, iters int, seed uint64) (*cache.Cache, error) {
	classes := p.Full.Classes()
	n := min(cand.Items, len(p.Labels))
	idx := BalancedIndices(p.Labels, classes, n, seed)
	if p.Keys == nil {
		if cand.Entries.Clustered() {
			return nil, fmt.Errorf("host: k-means of the full cache's own keys (%v) is not supported", p.Spec)
		}
		return Subset(p.Full, idx)
	}
	d := p.Spec.Dim()
	c, err := cache.New(p.Spec, classes)
	if err != nil {
		return nil, err
	}
	c.Grow(n)
	if !cand.Entries.Clustered() {
		for _, i := range idx {
			if err := c.Add(p.Keys[i*d:(i+1)*d], p.Labels[i]); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	quota := make([]int, classes)
	for _, i := range idx {
		quota[p.Labels[i]]++
	}
	members := make([][]float32, classes)
	for i, y := range p.Labels {
		members[y] = append(members[y], p.Keys[i*d:(i+1)*d]...)
	}
	for y := 0; y < classes; y++ {
		if quota[y] == 0 {
			continue
		}
		cent, counts, err := KMeans(members[y], d, quota[y], iters, seed+uint64(y))
		if err != nil {
			return nil, err
		}
		for j := 0; j < quota[y]; j++ {
			w := 1
			if cand.Entries == EntriesWKMeans {
				if counts[j] == 0 {
					continue // an empty cluster stands for nothing
				}
				w = min(counts[j], cache.MaxWeight)
			}
			if err := c.AddWeighted(cent[j*d:(j+1)*d], y, w); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}
