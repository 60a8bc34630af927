package bundle

import (
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
)

// A bundle carries how its cache is taught; a bundle without says nothing
// and the board uses the default; settings a Learner cannot use are refused
// when the bundle is written and when it is read.
func TestTeachSettings(t *testing.T) {
	b := testBundle(t)
	if got := b.Meta.LearnOpts(); got != cache.DefaultLearnOpts {
		t.Errorf("no settings: %+v, want the default %+v", got, cache.DefaultLearnOpts)
	}
	b.Meta.Teach = &cache.LearnOpts{Group: 1, Prior: 0.5}
	data, _ := encode(t, b)
	got, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if lo := got.Meta.LearnOpts(); lo != (cache.LearnOpts{Group: 1, Prior: 0.5}) {
		t.Errorf("read back %+v", lo)
	}
	var info strings.Builder
	if err := got.Describe(&info); err != nil || !strings.Contains(info.String(), "items of up to 1 examples, prior 0.5") {
		t.Errorf("describe: %v\n%s", err, info.String())
	}
	if lo := got.Meta.LearnOpts().With(cache.LearnOpts{Prior: 1}); lo != (cache.LearnOpts{Group: 1, Prior: 1}) {
		t.Errorf("a flag's prior over the bundle's: %+v", lo)
	}
	for _, bad := range []cache.LearnOpts{{Group: 0, Prior: 0.5}, {Group: 1, Prior: 2}} {
		b.Meta.Teach = &bad
		if _, err := b.Write(new(strings.Builder)); err == nil || !strings.Contains(err.Error(), "teach") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
