package replay_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/replay"
)

func writePNG(t *testing.T, path string, v uint8) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Set(0, 0, color.Gray{v})
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestReplayOrderAndEnd(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "b", "10.png"), 3)
	writePNG(t, filepath.Join(dir, "b", "2.png"), 2)
	writePNG(t, filepath.Join(dir, "a", "1.png"), 1)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	d, err := replay.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 {
		t.Fatalf("%d files, want 3", d.Len())
	}
	for i, want := range []uint8{1, 2, 3} {
		f, err := d.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Image.(*image.Gray).GrayAt(0, 0).Y; got != want || f.Seq != uint64(i) {
			t.Errorf("frame %d (%s): pixel %d seq %d, want %d", i, f.Name, got, f.Seq, want)
		}
	}
	if _, err := d.Next(context.Background()); !errors.Is(err, device.ErrEnd) {
		t.Errorf("after the last file: %v, want ErrEnd", err)
	}
}

func TestReplayLoopPaceAndCancel(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "1.png"), 1)
	d, err := replay.New(dir, &replay.Opts{Loop: true, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The second frame is due in an hour: cancelling must end the wait.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := replay.New(dir, nil); err == nil {
		t.Error("empty folder accepted")
	}
	if _, err := replay.New(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing folder accepted")
	}
	os.WriteFile(filepath.Join(dir, "0.png"), []byte("not a png"), 0o644)
	writePNG(t, filepath.Join(dir, "1.png"), 7)
	d, err := replay.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(context.Background()); err == nil {
		t.Error("corrupt file decoded")
	}
	// The replay goes on past a bad file.
	if f, err := d.Next(context.Background()); err != nil || f.Image.(*image.Gray).GrayAt(0, 0).Y != 7 {
		t.Errorf("after a bad file: %v", err)
	}
}
