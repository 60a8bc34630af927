package main

import (
	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
)

// cacheErrors is the test error of c on q at each mixture, scored by the
// library's host scoring (host.Errors: one similarity scan, item weights
// counted, the board's arithmetic).
func cacheErrors(c *cache.Cache, q *queries, mixes ...host.Mixture) ([]float64, error) {
	errs, _, err := host.Errors(c, &q.Queries, mixes)
	return errs, err
}

// networkError is the test error of the network alone on q.
func networkError(q *queries) (float64, error) {
	acc, err := q.Accuracy(nil, 0)
	return 1 - acc, err
}

// tunedMixtures is the mixture a cache file holds (Theta, Lambda) and its
// CacheOnly one.
func tunedMixtures(c *cache.Cache) []host.Mixture {
	return []host.Mixture{{Theta: float64(c.Theta), Lambda: float64(c.Lambda)}, {Theta: float64(c.CacheOnlyTheta), Lambda: 1}}
}
