// Package keys is the network-to-keys pipeline of the host tools: a data set
// through the float or int8 network, in batches on every core, to the
// network's probabilities and the cache keys of its taps (Net.Pass,
// Net.Collect, Net.Fill), or to logits alone (Run). Every command of
// tools/edgecache that needs keys or predictions goes through it; the board
// program makes its keys frame by frame with cache.Cache.TapProbs instead.
package keys
