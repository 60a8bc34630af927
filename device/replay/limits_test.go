package replay_test

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device/replay"
)

// claimSize rewrites a PNG's header (IHDR, the first chunk: PNG
// specification 11.2.2) to claim w x h pixels, with a valid CRC, so only
// the size is wrong.
func claimSize(t *testing.T, path string, w, h uint32) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[12:16]) != "IHDR" {
		t.Fatalf("no IHDR at byte 12: %q", b[12:16])
	}
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A header claiming a huge image is refused before the decoder allocates
// for it (5000 x 5000 grey pixels are 25 MB, and 65535 x 65535 4 GiB), and the replay goes on.
func TestReplayPixelLimit(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "0.png"), 1)
	claimSize(t, filepath.Join(dir, "0.png"), 5000, 5000)
	writePNG(t, filepath.Join(dir, "1.png"), 9)
	d, err := replay.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Next(ctx); err == nil || !strings.Contains(err.Error(), "5000x5000 image, over the 16777216-pixel limit") {
		t.Fatalf("huge header: %v", err)
	}
	if f, err := d.Next(ctx); err != nil || f.Image.(*image.Gray).Pix[0] != 9 {
		t.Fatalf("after it: %v", err)
	}
	if _, err := replay.Load(filepath.Join(dir, "0.png"), false); err == nil {
		t.Error("Load decoded the huge header")
	}
	// The limit is an option: a 4x4 image is 16 pixels.
	for _, tc := range []struct {
		max int
		ok  bool
	}{{15, false}, {16, true}} {
		d, err := replay.New(filepath.Join(dir, "1.png"), &replay.Opts{MaxPixels: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Next(ctx); (err == nil) != tc.ok {
			t.Errorf("max %d pixels: %v", tc.max, err)
		}
	}
	if _, err := replay.New(dir, &replay.Opts{MaxPixels: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

// A raw JPEG is read whole, so its file size is bounded.
func TestReplayFileLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk space is used.
	if err := f.Truncate(replay.MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := replay.Load(path, true); err == nil || !strings.Contains(err.Error(), "over the 67108864-byte limit") {
		t.Fatalf("over-size file: %v", err)
	}
}
