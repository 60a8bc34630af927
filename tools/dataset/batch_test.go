package dataset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// smallFolder is an ImageFolder set of n distinct PNG and JPEG images over
// three classes.
func smallFolder(t *testing.T, n int) *Set {
	files := map[string][]byte{}
	for i := range n {
		img := randomImage(32, 32, uint64(i), false)
		name := fmt.Sprintf("train/c%d/%03d.png", i%3, i)
		data := encodePNG(t, img)
		if i%2 == 1 {
			name = fmt.Sprintf("train/c%d/%03d.jpg", i%3, i)
			data = encodeJPEG(t, img)
		}
		files[name] = data
	}
	s, err := Open(folderTree(t, files), "train")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collect runs Batches and returns the concatenated pixels, labels and
// batch starts and sizes.
func collect(s *Set, size, workers int) (px []float32, labels []int, shape string, err error) {
	var parts []string
	err = s.Batches(context.Background(), size, workers, func(b Batch) error {
		if len(b.Pixels) != b.N*model.InputLen || len(b.Labels) != b.N {
			return fmt.Errorf("batch at %d: %d values and %d labels for %d images", b.Start, len(b.Pixels), len(b.Labels), b.N)
		}
		parts = append(parts, fmt.Sprintf("%d+%d", b.Start, b.N))
		px = append(px, b.Pixels...)
		labels = append(labels, b.Labels...)
		return nil
	})
	return px, labels, strings.Join(parts, " "), err
}

func TestBatchesOrder(t *testing.T) {
	s := smallFolder(t, 23)
	want := loadAll(t, s)
	var wantLabels []int
	for i := range s.Len() {
		wantLabels = append(wantLabels, s.Label(i))
	}
	for _, size := range []int{1, 5, 23, 64} {
		for _, workers := range []int{0, 1, 2, 7} {
			px, labels, shape, err := collect(s, size, workers)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(px, want) || !slices.Equal(labels, wantLabels) {
				t.Errorf("size %d, %d workers: batches differ from Load", size, workers)
			}
			if size == 5 && shape != "0+5 5+5 10+5 15+5 20+3" {
				t.Errorf("size 5: batches %s", shape)
			}
		}
	}
	// A subset streams its own images.
	sub, err := s.Subset([]int{7, 3, 3, 22})
	if err != nil {
		t.Fatal(err)
	}
	px, _, _, err := collect(sub, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range []int{7, 3, 3, 22} {
		if !slices.Equal(px[k*model.InputLen:(k+1)*model.InputLen], want[i*model.InputLen:(i+1)*model.InputLen]) {
			t.Errorf("subset image %d is not image %d", k, i)
		}
	}
	if _, err := s.Subset([]int{23}); err == nil {
		t.Error("subset past the end: no error")
	}
	if s.Limit(4).Len() != 4 || s.Limit(99).Len() != 23 || s.Limit(-1).Len() != 0 {
		t.Error("Limit lengths")
	}
	if _, _, shape, err := collect(s.Limit(0), 4, 2); err != nil || shape != "" {
		t.Errorf("empty set: batches %q, %v", shape, err)
	}
	if err := s.Batches(context.Background(), 0, 1, func(Batch) error { return nil }); err == nil {
		t.Error("batch size 0: no error")
	}
}

func TestBatchesErrors(t *testing.T) {
	files := map[string][]byte{}
	png := encodePNG(t, randomImage(32, 32, 1, false))
	for i := range 40 {
		files[fmt.Sprintf("c/%02d.png", i)] = png
	}
	files["c/17.png"] = encodePNG(t, randomImage(31, 32, 1, false))
	s, err := Open(folderTree(t, files), "train")
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 4} {
		_, _, shape, err := collect(s, 5, workers)
		if err == nil || !strings.Contains(err.Error(), "17.png") || !strings.Contains(err.Error(), "31x32") {
			t.Errorf("%d workers: error %v, want one naming 17.png", workers, err)
		}
		if shape != "0+5 5+5 10+5" {
			t.Errorf("%d workers: fn saw batches %q, want those before image 17 only", workers, shape)
		}
	}

	good := s.Limit(15)
	stop := errors.New("stop")
	calls := 0
	err = good.Batches(context.Background(), 2, 2, func(b Batch) error {
		calls++
		if b.Start == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("fn error: got %v after %d calls", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	err = good.Batches(ctx, 2, 2, func(b Batch) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancel: got %v after %d calls", err, calls)
	}
}

func TestFlip(t *testing.T) {
	src := make([]float32, model.InputLen)
	for i := range src {
		src[i] = float32(i)
	}
	dst := make([]float32, model.InputLen)
	Flip(dst, src)
	for c := range 3 {
		for y := range 32 {
			for x := range 32 {
				if got, want := dst[c*1024+y*32+x], src[c*1024+y*32+31-x]; got != want {
					t.Fatalf("(%d,%d,%d) = %v, want %v", c, y, x, got, want)
				}
			}
		}
	}
	in := slices.Clone(src)
	Flip(in, in)
	if !slices.Equal(in, dst) {
		t.Error("in-place flip differs")
	}
	Flip(in, in)
	if !slices.Equal(in, src) {
		t.Error("flipping twice is not the identity")
	}
}
