package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/edgecache/edgecache/cache/bundle"
)

// score counts frames and per-stage time, and keeps accuracy when frames
// come from files in class folders named like the bundle's classes (a
// replayed ImageFolder test tree): the folder is the truth.
type score struct {
	labels  map[string]int
	cache   bool
	frames  int
	labeled int
	net     int // correct by the network alone
	final   int // correct after the cache
	pre     time.Duration
	network time.Duration
	lookup  time.Duration
}

func newScore(classes []string, withCache bool) *score {
	s := &score{labels: map[string]int{}, cache: withCache}
	for i, l := range classes {
		s.labels[l] = i
	}
	return s
}

// add counts one classified frame and returns its true class, -1 when the
// frame's name does not tell it.
func (s *score) add(name string, r bundle.Result) int {
	s.frames++
	s.pre += r.Preprocess
	s.network += r.Network
	s.lookup += r.Cache
	if name == "" {
		return -1
	}
	truth, ok := s.labels[filepath.Base(filepath.Dir(name))]
	if !ok {
		return -1
	}
	s.labeled++
	if r.Net == truth {
		s.net++
	}
	if r.Class == truth {
		s.final++
	}
	return truth
}

func (s *score) perFrame(d time.Duration) float64 { return ms(d) / float64(max(s.frames, 1)) }

func (s *score) report(w io.Writer, b *bundle.Bundle, cam fmt.Stringer, elapsed time.Duration) {
	fmt.Fprintf(w, "camera    %v\n", cam)
	fmt.Fprintf(w, "network   %v\n", b.Model)
	if c := b.Cache; c != nil {
		fmt.Fprintf(w, "cache     %d items, %d-value fp16 keys, %.2f MiB, theta %.2f lambda %.3f\n",
			c.Len(), c.Dim(), float64(c.Bytes())/(1<<20), c.Theta, c.Lambda)
	}
	if s.frames == 0 {
		fmt.Fprintln(w, "frames    0")
		return
	}
	fmt.Fprintf(w, "frames    %d in %.1f s (%.0f frames/s)\n", s.frames, elapsed.Seconds(), float64(s.frames)/elapsed.Seconds())
	fmt.Fprintf(w, "per frame preprocess %.3f ms, network %.3f ms, cache %.3f ms\n",
		s.perFrame(s.pre), s.perFrame(s.network), s.perFrame(s.lookup))
	if s.labeled == 0 {
		return
	}
	fmt.Fprintf(w, "top-1     network %.2f%%", 100*float64(s.net)/float64(s.labeled))
	if s.cache {
		fmt.Fprintf(w, ", with cache %.2f%%", 100*float64(s.final)/float64(s.labeled))
	}
	fmt.Fprintf(w, " (%d labelled frames)\n", s.labeled)
}

// summaryJSON is the last line of -json output, defined with the bundle so
// the host's demo reads the same fields.
type summaryJSON = bundle.Summary

func (s *score) summary(elapsed time.Duration) summaryJSON {
	j := summaryJSON{Summary: true, Frames: s.frames, Labelled: s.labeled, Seconds: elapsed.Seconds(),
		MsPreprocess: s.perFrame(s.pre), MsNetwork: s.perFrame(s.network), MsCache: s.perFrame(s.lookup)}
	j.MsPerFrame = j.MsPreprocess + j.MsNetwork + j.MsCache
	if s.labeled > 0 {
		net := float64(s.net) / float64(s.labeled)
		j.Top1Net = &net
		if s.cache {
			final := float64(s.final) / float64(s.labeled)
			j.Top1Cache = &final
		}
	}
	return j
}
