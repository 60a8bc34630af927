package keys

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
)

// An int8 network with no float model (what a bundle holds) makes the same
// keys and probabilities as the same int8 network beside its float model:
// the pipeline never reads the float model when Int8 is set. A pass stops
// with the context's error once the context is done.
func TestInt8Only(t *testing.T) {
	k := testNet(t)
	k.Int8 = bundletest.Quantize(t, k.Float, bundletest.Pixels(rand.New(rand.NewPCG(5, 6)), 8))
	only := &Net{Int8: k.Int8, Batch: 4, Threads: 2}
	if only.Classes() != k.Classes() || only.Precision() != "int8" || only.String() == "" {
		t.Fatalf("int8-only net: %d classes (want %d), %s, %q", only.Classes(), k.Classes(), only.Precision(), only.String())
	}
	tap, err := only.TapSpec("layer3.0", cache.PoolAvg)
	if err != nil {
		t.Fatal(err)
	}
	spec := cache.Spec{Taps: []cache.TapSpec{tap}}
	set := memImages{n: 9, classes: 3, bad: -1}
	idx := Spread(set.Len(), 0)
	want, err := k.Collect(set, idx, spec, PassOptions{Flip: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := only.CollectContext(context.Background(), set, idx, spec, PassOptions{Flip: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 2*set.Len() || !slices.Equal(got.Keys, want.Keys) || !slices.Equal(got.Probs, want.Probs) ||
		!slices.Equal(got.Labels, want.Labels) || !slices.Equal(got.Flips, want.Flips) {
		t.Fatalf("int8-only keys differ from the int8 keys of the full net (%d and %d queries)", got.Len(), want.Len())
	}
	// 50 batches: the feeder, free to pick a ready job over the done
	// context, cannot hand them all out (and a finished run is no error).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	many := memImages{n: 200, classes: 3, bad: -1}
	if _, err := only.CollectContext(ctx, many, Spread(many.Len(), 0), spec, PassOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled pass: %v", err)
	}
}
