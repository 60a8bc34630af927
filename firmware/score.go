package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// score keeps accuracy when the replayed files sit in class folders named
// like the model's labels (an ImageFolder test tree).
type score struct {
	root    string
	labels  map[string]int
	frames  int
	labeled int
	net     int // correct by the network alone
	final   int // correct after the cache
	micros  int64
}

func newScore(root string, labels []string) *score {
	s := &score{root: root, labels: map[string]int{}}
	for i, l := range labels {
		s.labels[l] = i
	}
	return s
}

func (s *score) add(name string, r result) {
	s.frames++
	s.micros += r.Micros
	truth, ok := s.labels[filepath.Base(filepath.Dir(name))]
	if !ok {
		return
	}
	s.labeled++
	if r.Net == truth {
		s.net++
	}
	if r.Class == truth {
		s.final++
	}
}

func (s *score) report(w io.Writer, cl *classifier, cam fmt.Stringer, elapsed time.Duration) {
	fmt.Fprintf(w, "camera    %v\n", cam)
	fmt.Fprintf(w, "model     %v\n", cl.m)
	if cl.mem != nil {
		fmt.Fprintf(w, "cache     %d items, %d-value fp16 keys, %.1f MiB, theta %.2f lambda %.3f\n",
			cl.mem.Len(), cl.mem.Dim(), float64(cl.mem.Bytes())/(1<<20), cl.mem.Theta, cl.mem.Lambda)
	}
	if s.frames == 0 {
		fmt.Fprintln(w, "frames    0")
		return
	}
	fmt.Fprintf(w, "frames    %d in %.1f s (%.0f frames/s, %.2f ms classifying each)\n", s.frames, elapsed.Seconds(),
		float64(s.frames)/elapsed.Seconds(), float64(s.micros)/1000/float64(s.frames))
	if s.labeled == 0 {
		return
	}
	fmt.Fprintf(w, "top-1     network %.2f%%", 100*float64(s.net)/float64(s.labeled))
	if cl.mem != nil {
		fmt.Fprintf(w, ", with cache %.2f%%", 100*float64(s.final)/float64(s.labeled))
	}
	fmt.Fprintf(w, " (%d labelled frames)\n", s.labeled)
}

// summaryJSON is the last line of -json output.
type summaryJSON struct {
	Summary    bool     `json:"summary"`
	Frames     int      `json:"frames"`
	Labelled   int      `json:"labelled"`
	Top1Net    *float64 `json:"top1_net,omitempty"`
	Top1Cache  *float64 `json:"top1_cache,omitempty"`
	MsPerFrame float64  `json:"ms_per_frame"`
	Seconds    float64  `json:"seconds"`
}

func (s *score) summary(elapsed time.Duration) summaryJSON {
	j := summaryJSON{Summary: true, Frames: s.frames, Labelled: s.labeled, Seconds: elapsed.Seconds()}
	if s.frames > 0 {
		j.MsPerFrame = float64(s.micros) / 1000 / float64(s.frames)
	}
	if s.labeled > 0 {
		net, final := float64(s.net)/float64(s.labeled), float64(s.final)/float64(s.labeled)
		j.Top1Net, j.Top1Cache = &net, &final
	}
	return j
}
