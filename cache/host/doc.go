// Package host is the host side of the cache memory (package cache holds
// what the board runs): the work done on a development machine to make,
// tune, fit and score caches, which the board program never links.
//
//   - Similarities computes every query x key dot product as a blocked
//     matrix product (fp16 key panels converted inside AVX-512/AVX2 FMA
//     micro-kernels on amd64, a pure-Go twin elsewhere; all cores).
//   - Probs is the board's lookup (cache.Cache.ProbsBatch) for whole test
//     sets at several thetas from one scan, item weights counted; Errors and
//     Queries.Accuracy score a cache with the board's mixture (cache.Mix).
//     Every host command scores through them.
//   - Tune evaluates the paper's theta x lambda grid from one scan, then
//     refines around the best point with a second one. It must be given
//     validation images, never test images.
//   - KMeans, Subset, BalancedSubset and BalancedIndices reduce a cache's
//     entries; Rekey and RekeyCache remake whole-tap keys in a smaller form
//     (pooled, projected) and Forms makes the forms a fit tries (with PCA
//     projections from cache/pca); Candidates sizes the entries a memory
//     budget leaves room for (cache.Footprint), and Pool.Build makes the
//     reduced cache: the library under the host tool's `cache fit` and
//     tools/boardfit.
//
// The PCA of keys is in cache/pca, the network-to-keys pipeline in
// tools/keys. TestBoardLinksNoHostCode checks that the board program links
// none of this.
package host
