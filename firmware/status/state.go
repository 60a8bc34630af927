package status

import (
	"bytes"
	"cmp"
	"image"
	"image/jpeg"
	"slices"
	"sync"
	"time"
)

// Frame is what the board saw last and what it made of it.
type Frame struct {
	Seq  uint64
	Time time.Time
	// Image is the picture, encoded to JPEG only when someone asks for it.
	// Or JPEG holds the camera's own JPEG bytes, served as they are. The
	// State keeps either until the next Update: hand over a picture the
	// camera will not overwrite.
	Image image.Image
	JPEG  []byte
	// Top are the classes with the highest probabilities (the page shows
	// three).
	Top     []Prediction
	Latency Latency
}

// Prediction is a class and its probability.
type Prediction struct {
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

// Latency is how long each stage of one frame took.
type Latency struct {
	Capture, Preprocess, Network, Cache time.Duration
}

// ClassCount is the cache's items of one class.
type ClassCount struct {
	Label  string `json:"label"`
	Items  int    `json:"items"`  // all items, the bundle's and taught
	Taught int    `json:"taught"` // of which taught on the board
}

// Status is the JSON of GET /api/status.
type Status struct {
	Frame   *FrameStatus `json:"frame"` // null until the first frame
	Frames  uint64       `json:"frames"`
	Classes []ClassCount `json:"classes"`
	Items   int          `json:"items"`
	Taught  int          `json:"taught"`
	Uptime  float64      `json:"uptime_s"`
	Teach   bool         `json:"teach"` // whether POST /api/teach is on
}

// FrameStatus is the latest frame in Status.
type FrameStatus struct {
	Seq     uint64       `json:"seq"`
	Time    time.Time    `json:"time"`
	Top     []Prediction `json:"top"`
	Latency LatencyMS    `json:"latency_ms"`
}

// LatencyMS is Latency in milliseconds, with their sum.
type LatencyMS struct {
	Capture    float64 `json:"capture"`
	Preprocess float64 `json:"preprocess"`
	Network    float64 `json:"network"`
	Cache      float64 `json:"cache"`
	Total      float64 `json:"total"`
}

// topN is how many classes the page shows.
const topN = 3

// jpegQuality trades a frame's bytes for its looks on the page.
const jpegQuality = 90

// State is what the page shows, updated by the board program and read by
// the handler; safe for concurrent use.
type State struct {
	start time.Time

	mu     sync.RWMutex
	frame  Frame
	have   bool
	frames uint64
	counts []ClassCount

	// The latest frame's JPEG, encoded on the first request for it.
	jpegMu  sync.Mutex
	jpegSeq uint64
	jpeg    []byte
}

// NewState returns an empty State; uptime counts from now.
func NewState() *State { return &State{start: time.Now()} }

// Update records the latest frame. Top is copied and sorted by probability.
func (s *State) Update(f Frame) {
	f.Top = slices.Clone(f.Top)
	slices.SortStableFunc(f.Top, func(a, b Prediction) int { return cmp.Compare(b.Prob, a.Prob) })
	s.mu.Lock()
	s.frame = f
	s.have = true
	s.frames++
	s.mu.Unlock()
}

// SetCounts records the cache's items per class (after loading, teaching
// or evicting). The slice is copied.
func (s *State) SetCounts(c []ClassCount) {
	c = slices.Clone(c)
	s.mu.Lock()
	s.counts = c
	s.mu.Unlock()
}

// Status is a snapshot of the state.
func (s *State) Status() Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Status{Frames: s.frames, Classes: slices.Clone(s.counts), Uptime: time.Since(s.start).Seconds()}
	if st.Classes == nil {
		st.Classes = []ClassCount{}
	}
	for _, c := range s.counts {
		st.Items += c.Items
		st.Taught += c.Taught
	}
	if s.have {
		f := &s.frame
		top := f.Top[:min(len(f.Top), topN)]
		l := f.Latency
		st.Frame = &FrameStatus{Seq: f.Seq, Time: f.Time, Top: slices.Clone(top), Latency: LatencyMS{
			Capture: ms(l.Capture), Preprocess: ms(l.Preprocess), Network: ms(l.Network), Cache: ms(l.Cache),
			Total: ms(l.Capture + l.Preprocess + l.Network + l.Cache),
		}}
		if st.Frame.Top == nil {
			st.Frame.Top = []Prediction{}
		}
	}
	return st
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// frameJPEG is the latest frame as JPEG and its sequence number; ok is false
// before the first frame with a picture.
func (s *State) frameJPEG() (b []byte, seq uint64, ok bool, err error) {
	s.mu.RLock()
	f := s.frame
	have := s.have && (f.Image != nil || f.JPEG != nil)
	s.mu.RUnlock()
	if !have {
		return nil, 0, false, nil
	}
	if f.JPEG != nil {
		return f.JPEG, f.Seq, true, nil
	}
	s.jpegMu.Lock()
	defer s.jpegMu.Unlock()
	if s.jpeg != nil && s.jpegSeq == f.Seq {
		return s.jpeg, f.Seq, true, nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, f.Image, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, f.Seq, false, err
	}
	s.jpeg, s.jpegSeq = buf.Bytes(), f.Seq
	return s.jpeg, f.Seq, true, nil
}
