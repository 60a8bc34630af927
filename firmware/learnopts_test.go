package main

import (
	"io"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
)

// The board teaches with the bundle's settings unless its flags set their
// own; a bundle without settings gets the default.
func TestLearnOptsFromBundle(t *testing.T) {
	withTeach := &bundle.Bundle{Meta: bundle.Meta{Teach: &cache.LearnOpts{Group: 1, Prior: 0.5}}}
	for _, tc := range []struct {
		args []string
		b    *bundle.Bundle
		want cache.LearnOpts
	}{
		{nil, &bundle.Bundle{}, cache.DefaultLearnOpts},
		{nil, withTeach, cache.LearnOpts{Group: 1, Prior: 0.5}},
		{[]string{"-teach-group", "4"}, withTeach, cache.LearnOpts{Group: 4, Prior: 0.5}},
		{[]string{"-teach-prior", "1"}, withTeach, cache.LearnOpts{Group: 1, Prior: 1}},
	} {
		cfg := defaults()
		if err := flags(&cfg, io.Discard).Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := cfg.learnOpts(tc.b); got != tc.want {
			t.Errorf("%v: %+v, want %+v", tc.args, got, tc.want)
		}
	}
	cfg := defaults()
	cfg.Bundle = "b.bundle"
	flags(&cfg, io.Discard).Parse([]string{"-teach-prior", "1.5"})
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "prior 1.5") {
		t.Errorf("-teach-prior 1.5: %v", err)
	}
	cfg.TeachPrior = 0
	if err := cfg.validate(); err != nil {
		t.Errorf("the defaults with a bundle: %v", err)
	}
}
