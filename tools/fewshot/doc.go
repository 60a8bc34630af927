// Package fewshot is the few-shot teaching study of issue 14: how much a
// board gains when a user teaches it examples at run time, measured with a
// protocol anyone can rerun (`edgecache fewshot`).
//
// Held-out classes. For each class c in turn the bundle is made to forget c:
// a copy of its cache loses every item of c (cache.Cache.Remove), and the
// network's distribution is masked (MaskNet: p_net(c) set to 0 and the other
// classes renormalised, i.e. the softmax over the other logits, as if the
// network had been trained without c; the board keeps c's index). Then k
// training images of c are taught exactly as the board teaches (the
// firmware's teach path): the key of the int8 network's taps (cache.Spec.Key),
// AddWeighted with weight 1, and while the cache is past its byte budget
// (the bundle cache's own size) the item cache.Cache.Victim names is
// removed. The k examples are a seeded draw, nested (the k=2 set holds the
// k=1 example). Every test image is then scored with the board's mixture
// (p_cache of the taught cache, cache.Mix with the bundle's lambda) and top-1
// is counted on c's test images and on the other classes'. k=0 is the masked
// baseline; the unmasked bundle is the reference.
//
// Camera domain. Training images rendered as camera frames
// (tools/framesim, then the board's frame converter device/frame) are
// taught, k per class for all classes, nothing masked, and test images
// rendered the same way are scored: what a board gains from learning its
// own camera's look.
//
// The network does not change during a study, only the cache does: every
// image goes through the int8 network once (Encode) and its key and p_net
// are reused for every class and k. p_cache for the whole test set comes
// from cache/host.Probs (the board's lookup, batched on the host); Score
// checks it against the board's own lookup (cache.Cache.ProbsBatch) on a
// sample of every scoring.
package fewshot
