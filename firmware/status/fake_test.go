package status

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"
)

const testToken = "s3cret-token-for-tests"

// fakeBoard stands for the board program: it has classified a frame and
// teaches by counting, updating the State as the board would.
type fakeBoard struct {
	state *State

	mu      sync.Mutex
	classes []ClassCount
	calls   []string // "label/k" of every Teach call
}

func newFakeBoard() *fakeBoard {
	b := &fakeBoard{state: NewState(), classes: []ClassCount{
		{Label: "airplane", Items: 400}, {Label: "cat", Items: 398}, {Label: "dog", Items: 402},
	}}
	b.state.SetCounts(b.classes)
	// A 32x32 frame: a red square on blue, so the screenshot shows it.
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			c := color.RGBA{30, 60, 200, 255}
			if x >= 8 && x < 24 && y >= 8 && y < 24 {
				c = color.RGBA{220, 40, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	b.state.Update(Frame{Seq: 41, Time: time.Unix(1_750_000_000, 0), Image: img,
		Top: []Prediction{{"dog", 0.11}, {"cat", 0.8125}, {"airplane", 0.05}, {"ship", 0.01}},
		Latency: Latency{Capture: 2 * time.Millisecond, Preprocess: 300 * time.Microsecond,
			Network: 41500 * time.Microsecond, Cache: 3200 * time.Microsecond}})
	return b
}

func (b *fakeBoard) Teach(ctx context.Context, label string, k int) (Taught, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, fmt.Sprintf("%s/%d", label, k))
	if label == "full" {
		return Taught{}, fmt.Errorf("%w: no room for more taught examples", ErrRejected)
	}
	if label == "broken" {
		return Taught{}, fmt.Errorf("camera stopped")
	}
	t := Taught{Label: label, Added: k, Class: -1}
	for i := range b.classes {
		if b.classes[i].Label == label {
			t.Class = i
		}
	}
	if t.Class < 0 {
		t.Class, t.NewClass = len(b.classes), true
		b.classes = append(b.classes, ClassCount{Label: label})
	}
	b.classes[t.Class].Items += k
	b.classes[t.Class].Taught += k
	b.state.SetCounts(b.classes)
	return t, nil
}

func (b *fakeBoard) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}
