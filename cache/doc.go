// Package cache is the key-value memory of A. E. Orhan, "A Simple Cache Model
// for Image Recognition" (NeurIPS 2018): keys built from a network's
// intermediate activations, one class label per key, and the cache
// distribution
//
//	p_cache(y | q) = sum over items i of class y of exp(theta * q.k_i) / Z
//
// mixed with the network's own prediction as
//
//	p = (1 - lambda) * p_net + lambda * p_cache     (lambda = 1: "CacheOnly").
//
// A Spec says how a key is made from taps (flattened whole, globally or 2 x 2
// average-pooled, concatenated, optionally projected by an fp16 matrix such
// as a PCA basis, L2-normalised). A Cache stores keys as IEEE fp16
// (github.com/x448/float16 for single values, SIMD kernels for bulk
// conversion), labels as uint16 and, for prototypes that stand for several
// items, a uint16 weight per item. Lookups on the board run fp16-key x
// fp32-query dot products with fp32 accumulation (kernels for amd64
// F16C/AVX2/FMA and AVX-512, arm64 FCVTL/FMLA, and a pure-Go twin); the
// projection of a query runs on the same kernels.
//
// This package is what a board runs: the file format, keys, the lookup
// kernels and growth. The host side (the similarity scan, host scoring,
// tuning, k-means, subsets and fitting a cache to a memory budget) is in
// cache/host, and the PCA of keys in cache/pca, so the board program links
// none of it.
//
// Files (Write, Read, WriteFile, ReadFile) are versioned and CRC-32C
// checksummed and carry the key spec, theta, lambda and the CacheOnly theta,
// so a cache is deployable alone and Spec.Check refuses one made for another
// model's taps. A Cache grows at run time (Add), e.g. from examples taught on
// the board.
//
// The package takes vectors, not networks: it imports none of the project's
// other packages.
package cache
