package host

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// KMeans clusters n unit vectors of dim values (x, row-major) into k
// centroids by spherical k-means (assign each vector to the centroid of
// largest dot product, then set each centroid to its members' normalised
// mean), starting from k distinct vectors picked at random from seed, for at
// most iters rounds (fewer once no assignment changes). It returns the k x
// dim centroids, each of unit length, for use as a class's prototype keys,
// and how many vectors each stands for (its members in the last assignment:
// the weight that makes a prototype count as its cluster in p_cache's sums).
// An empty cluster keeps its centroid and has count 0.
func KMeans(x []float32, dim, k, iters int, seed uint64) ([]float32, []int, error) {
	if dim < 1 || len(x)%dim != 0 {
		return nil, nil, fmt.Errorf("host: k-means of %d values, not a whole number of %d-value vectors", len(x), dim)
	}
	n := len(x) / dim
	if k < 1 || k > n {
		return nil, nil, fmt.Errorf("host: %d clusters of %d vectors", k, n)
	}
	if iters < 1 {
		return nil, nil, fmt.Errorf("host: %d k-means rounds (at least 1)", iters)
	}
	r := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	cent := make([]float32, k*dim)
	for c, i := range r.Perm(n)[:k] {
		copy(cent[c*dim:(c+1)*dim], x[i*dim:(i+1)*dim])
	}
	counts := make([]int, k)
	if k == n {
		for c := range counts {
			counts[c] = 1
		}
		return cent, counts, nil
	}
	assign := make([]int, n)
	sums := make([]float64, k*dim)
	bits := make([]uint16, k*dim)
	best := make([]float32, n)
	prev := make([]int, n)
	for it := 0; it < iters; it++ {
		copy(prev, assign)
		// Assignment as one similarity scan (the host's blocked kernels)
		// of the vectors against the centroids in fp16, as cache keys.
		for i, v := range cent {
			bits[i] = f16.Encode(v)
		}
		for i := range best {
			best[i] = float32(math.Inf(-1))
		}
		err := similarities(pickGemm(), x, bitRows(bits, dim), SimOptions{}, func(_ int, b SimBlock) {
			for i := 0; i < b.NQ; i++ {
				row := b.Sims[i*b.Stride : i*b.Stride+b.NK]
				q := b.Q0 + i
				for j, s := range row {
					if s > best[q] {
						best[q], assign[q] = s, b.K0+j
					}
				}
			}
		})
		if err != nil {
			return nil, nil, err
		}
		if it > 0 && slices.Equal(prev, assign) {
			break // converged: the centroids would not move
		}
		clear(sums)
		clear(counts)
		for i, c := range assign {
			counts[c]++
			s := sums[c*dim : (c+1)*dim]
			for j, v := range x[i*dim : (i+1)*dim] {
				s[j] += float64(v)
			}
		}
		for c := 0; c < k; c++ {
			s := sums[c*dim : (c+1)*dim]
			var ss float64
			for _, v := range s {
				ss += v * v
			}
			if ss == 0 {
				continue // empty cluster (or members cancelling): keep it
			}
			inv := 1 / math.Sqrt(ss)
			for j, v := range s {
				cent[c*dim+j] = float32(v * inv)
			}
		}
	}
	return cent, counts, nil
}
