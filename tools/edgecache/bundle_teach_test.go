package main

import (
	"testing"

	"github.com/edgecache/edgecache/cache"
)

// A bundle's teach group follows its cache's recipe: prototypes get the
// default, raw training keys 1.
func TestTeachGroupFromRecipe(t *testing.T) {
	for _, tc := range []struct {
		recipe string
		want   int
	}{
		{"", cache.DefaultLearnOpts.Group},
		{`{"recipe": "edgecache cache board", "entries": "kmeans"}`, cache.DefaultLearnOpts.Group},
		{`{"entries": "wkmeans"}`, cache.DefaultLearnOpts.Group},
		{`{"entries": "subset"}`, 1},
		{`{"entries": "all"}`, 1},
		{`{"model": "r32.th", "items": 5000}`, 1}, // cache build: raw keys
		{`{not json`, cache.DefaultLearnOpts.Group},
	} {
		var r []byte
		if tc.recipe != "" {
			r = []byte(tc.recipe)
		}
		if got := teachGroup(r); got != tc.want {
			t.Errorf("%q: group %d, want %d", tc.recipe, got, tc.want)
		}
	}
}
