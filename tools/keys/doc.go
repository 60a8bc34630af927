// Package keys is the network-to-keys pipeline of the host tools: a data set
// through the float or int8 network, in batches on every core, to the
// network's probabilities and the cache keys of its taps (Net.Pass,
// Net.Collect, Net.Fill, and their Context forms), or to logits alone (Run).
// A Net may be an int8 network alone, as a bundle holds it. Every command of
// tools/edgecache that needs keys or predictions goes through it; the board
// program makes its keys frame by frame with cache.Cache.TapProbs instead.
package keys
