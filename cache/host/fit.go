package host

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
)

// Fitting a cache to a board's memory budget: from a full cache of whole-tap
// keys, remake the keys in a smaller form (Forms, forms.go, through Rekey,
// rekey.go: pooling, a projection), size the entries a budget leaves room
// for (Candidates), and build the reduced cache (Pool.Build: a
// class-balanced subset, or per-class k-means prototypes, unweighted or
// weighted by cluster size). The search over forms and budgets is the host
// tool's `cache fit`; tools/boardfit applies its pick.

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

// Pool is the items a fit builds from: the first len(Labels) items of a
// full cache, with their keys remade in the fit's form (Keys, rows of
// Spec.Dim()) or, when Keys is nil, taken from Full as they are; or keys
// that never were in a cache (NewKeyPool, Full nil). Make one with NewPool
// or NewKeyPool, which check it.
type Pool struct {
	Spec    cache.Spec
	Classes int          // labels are 0..Classes-1
	Full    *cache.Cache // nil for a NewKeyPool
	Keys    []float32
	Labels  []int // the pool's labels: Full's first len(Labels)
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
	return &Pool{Spec: spec, Classes: full.Classes(), Full: full, Keys: keys, Labels: labels}, nil
}

// NewKeyPool is a pool of keys made straight from a network (rows of
// spec.Dim(), one per label), for a cache of classes classes: what a fit
// builds from when there is no full cache.
func NewKeyPool(spec cache.Spec, classes int, keys []float32, labels []int) (*Pool, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	if classes < 1 || len(labels) == 0 {
		return nil, fmt.Errorf("host: a pool of %d items of %d classes", len(labels), classes)
	}
	if len(keys) != len(labels)*spec.Dim() {
		return nil, fmt.Errorf("host: %d key values for %d items of %d", len(keys), len(labels), spec.Dim())
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("host: item %d has label %d of %d classes", i, y, classes)
		}
	}
	return &Pool{Spec: spec, Classes: classes, Keys: keys, Labels: labels}, nil
}

// Build makes the candidate's cache from the pool: a class-balanced subset
// of cand.Items (from seed), or per-class k-means prototypes, as many per
// class as that subset holds (at most iters rounds, class y seeded with
// seed+y), weighted by cluster size for EntriesWKMeans (empty clusters
// dropped). Without remade keys only subsets can be built.
func (p *Pool) Build(cand Candidate, iters int, seed uint64) (*cache.Cache, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if cand.Items < 1 {
		return nil, fmt.Errorf("host: a cache of %d items", cand.Items)
	}
	classes := p.Classes
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

// check refuses a pool whose parts disagree (one made by hand rather than
// by NewPool or NewKeyPool), so that Build errs instead of indexing past
// them.
func (p *Pool) check() error {
	switch {
	case p.Classes < 1 || len(p.Labels) == 0:
		return fmt.Errorf("host: a pool of %d items of %d classes", len(p.Labels), p.Classes)
	case p.Keys == nil && p.Full == nil:
		return fmt.Errorf("host: a pool with neither keys nor a cache")
	case p.Keys == nil && (len(p.Labels) > p.Full.Len() || p.Full.Classes() != p.Classes):
		return fmt.Errorf("host: a pool of %d items of %d classes from a cache of %d of %d", len(p.Labels), p.Classes, p.Full.Len(), p.Full.Classes())
	case p.Keys != nil && len(p.Keys) < len(p.Labels)*p.Spec.Dim():
		return fmt.Errorf("host: %d key values for %d items of %d", len(p.Keys), len(p.Labels), p.Spec.Dim())
	}
	for i, y := range p.Labels {
		if y < 0 || y >= p.Classes {
			return fmt.Errorf("host: item %d has label %d of %d classes", i, y, p.Classes)
		}
	}
	return nil
}
