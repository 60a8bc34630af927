package mjpeg_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/mjpeg"
)

func TestDev(t *testing.T) {
	a, b := jpegOf(t, 32, 24, 10), jpegOf(t, 64, 48, 100)
	// A slow consumer still sees every frame here (one is read ahead at a
	// time; the reader waits for it to be taken only when it has a newer
	// one), so read them as they come: a, then the cut, then b.
	d := mjpeg.New(bytes.NewReader(cat(a, b[:len(b)-40], b)), "test", &mjpeg.Opts{Width: 64, Height: 48})
	ctx := context.Background()
	var got [][]byte
	var errs []error
	for {
		f, err := d.Next(ctx)
		if errors.Is(err, device.ErrEnd) {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.Format != device.JPEG || f.Width != 64 || f.Name != "test" {
			t.Errorf("frame %+v", f)
		}
		got = append(got, bytes.Clone(f.Data))
	}
	// The newest-frame policy may drop a when b arrives first: b is last.
	if len(got) == 0 || !bytes.Equal(got[len(got)-1], b) || len(errs) != 1 || !errors.Is(errs[0], mjpeg.ErrCut) {
		t.Errorf("%d frames, errors %v", len(got), errs)
	}
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	// Cancelling a wait on a camera that sends nothing.
	r, w, _ := os.Pipe()
	defer w.Close()
	d = mjpeg.New(r, "pipe", nil)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := d.Next(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("idle camera: %v", err)
	}
	d.Close()
	if _, err := d.Next(ctx); err == nil {
		t.Error("frame after Close")
	}
}

// TestPipe runs a fake camera command that writes two frames and a cut
// one, then dies: the pipe delivers the frames, reports the cut and the
// exit with the command's stderr, and restarts it.
func TestPipe(t *testing.T) {
	dir := t.TempDir()
	a, b := jpegOf(t, 32, 24, 10), jpegOf(t, 64, 48, 100)
	rec, runs := filepath.Join(dir, "rec.mjpeg"), filepath.Join(dir, "runs")
	if err := os.WriteFile(rec, cat(a, b, a[:30]), 0o644); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/fakecam.sh")
	p, err := mjpeg.NewPipe(&mjpeg.PipeOpts{Command: []string{script, rec, runs}, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	frames, exits, cuts := 0, 0, 0
	// Errors are handed out before a frame still waiting (the newest-frame
	// slot), so the third exit can come before the third run's frame: read
	// on (the pipe restarts the command) until both have come.
	for exits < 3 || frames < 3 {
		f, err := p.Next(ctx)
		switch {
		case err == nil:
			if !bytes.Equal(f.Data, a) && !bytes.Equal(f.Data, b) {
				t.Fatalf("frame of %d bytes is neither recorded frame", len(f.Data))
			}
			frames++
		case errors.Is(err, mjpeg.ErrCut):
			cuts++
		case strings.Contains(err.Error(), "exit status 3") && strings.Contains(err.Error(), "sensor lost"):
			exits++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
	data, _ := os.ReadFile(runs)
	if n := strings.Count(string(data), "run"); n < 3 || frames < 3 || cuts < 1 {
		t.Errorf("%d runs, %d frames, %d cuts", n, frames, cuts)
	}
	if _, err := mjpeg.NewPipe(&mjpeg.PipeOpts{Command: []string{"/nonexistent/rpicam-vid"}}); err == nil {
		t.Error("missing command accepted")
	}
	if got := strings.Join(mjpeg.RpicamCommand(640, 480, 15), " "); got != "rpicam-vid -t 0 -n --codec mjpeg --width 640 --height 480 --framerate 15 -o -" {
		t.Errorf("rpicam command %q", got)
	}
}
