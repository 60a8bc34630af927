package replay_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/replay"
)

// TestReplayRawJPEG: with RawJPEG a JPEG file arrives as the bytes a JPEG
// camera would send; without it, decoded, at its own size (any size).
func TestReplayRawJPEG(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "0.jpg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(dir, "1.png"), 5)
	d, _ := replay.New(dir, &replay.Opts{RawJPEG: true})
	f, err := d.Next(context.Background())
	if err != nil || f.Image != nil || f.Format != device.JPEG || !bytes.Equal(f.Data, buf.Bytes()) || f.Name != path {
		t.Errorf("raw: %v %v %v %d bytes", err, f.Image != nil, f.Format, len(f.Data))
	}
	if f, err := d.Next(context.Background()); err != nil || f.Image == nil || f.Seq != 1 {
		t.Errorf("a PNG in a raw replay: %v, image %v, seq %d", err, f.Image != nil, f.Seq)
	}
	d, _ = replay.New(dir, nil)
	if f, err := d.Next(context.Background()); err != nil || f.Image == nil || f.Image.Bounds().Dx() != 64 || f.Data != nil {
		t.Errorf("decoded: %v %v", err, f.Image)
	}
	if _, err := replay.Load(filepath.Join(dir, "missing.jpg"), true); err == nil {
		t.Error("missing file loaded")
	}
}
