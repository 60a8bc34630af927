package main

import (
	"bytes"
	"context"
	"image"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
)

// TestMain makes a watchdog that fires outside TestWatchdog a test failure
// with its reason, not the process exit the board program uses. With
// $EDGECACHE_FIRMWARE_MAIN=1 the test binary is the board program itself
// (its arguments are the program's): the signal and exit-status tests run it
// as a process, as systemd does.
func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	hang = func() { panic("firmware: the watchdog fired in a test") }
	os.Exit(m.Run())
}

// syncBuffer is a log sink safe for the loop's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func faultClassifier(t *testing.T) *bundle.Classifier {
	t.Helper()
	bundlePath, _ := fixture(t, []string{"layer3.0"}, false)
	return loadClassifier(t, bundlePath)
}

// The simulated ArduCAM failing in each way it can: the loop retries a
// bounded number of times with backoff, logs the driver's reason each time,
// and gives up; it never hangs. A camera that recovers is used again.
func TestArducamFaults(t *testing.T) {
	cl := faultClassifier(t)
	gray := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i)
	}
	for _, tc := range []struct {
		name  string
		fault arducamtest.Faults
		want  string
	}{
		{"capture never done", arducamtest.Faults{NeverDone: true}, "capture timed out"},
		{"short FIFO", arducamtest.Faults{FIFOLimit: 100}, "bad frame"},
		{"garbage FIFO", arducamtest.Faults{Garbage: true}, "bad frame"},
		{"SPI error mid-burst", arducamtest.Faults{SPIFail: true, SPIFailAfter: 300}, "arducam"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := arducamtest.New(gray)
			opts := arducam.DefaultOpts
			opts.Timeout, opts.ResetDelay = 30*time.Millisecond, time.Millisecond
			dev, err := arducam.New(sim.SPI(), sim.I2C(), &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close()
			sim.Faults = tc.fault
			cfg := defaults()
			cfg.Retries = 3
			cfg.Backoff, cfg.MaxBackoff, cfg.CaptureTimeout = duration(time.Millisecond), duration(4*time.Millisecond), duration(time.Second)
			var logs syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- loop(context.Background(), &cfg, dev, cl, nil, newScore(cl.Labels(), true), io.Discard, log.New(&logs, "", 0), nil)
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "4 times in a row") {
					t.Errorf("loop: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the loop hangs on a failing camera")
			}
			if n := strings.Count(logs.String(), tc.want); n < 4 {
				t.Errorf("%d of 4 faults logged with %q:\n%s", n, tc.want, logs.String())
			}
		})
	}
}

// flaky fails its first n captures, then delivers frames.
type flaky struct {
	n   int
	img image.Image
	seq uint64
}

func (f *flaky) Next(ctx context.Context) (device.Frame, error) {
	if f.n > 0 {
		f.n--
		return device.Frame{}, io.ErrUnexpectedEOF
	}
	f.seq++
	return device.Frame{Image: f.img, Seq: f.seq}, nil
}
func (f *flaky) Close() error   { return nil }
func (f *flaky) String() string { return "flaky camera" }

func TestCameraRecovers(t *testing.T) {
	cl := faultClassifier(t)
	cfg := defaults()
	cfg.Retries, cfg.Limit = 3, 5
	cfg.Backoff, cfg.MaxBackoff = duration(time.Millisecond), duration(2*time.Millisecond)
	cam := &flaky{n: 3, img: image.NewRGBA(image.Rect(0, 0, 40, 30))}
	sc := newScore(cl.Labels(), true)
	if err := loop(context.Background(), &cfg, cam, cl, nil, sc, io.Discard, log.New(io.Discard, "", 0), nil); err != nil {
		t.Fatal(err)
	}
	if sc.frames != 5 {
		t.Errorf("%d frames after the camera recovered", sc.frames)
	}
}

// stuck never returns from Next, whatever its context says: a driver blocked
// in a bus call.
type stuck struct{ release chan struct{} }

func (s *stuck) Next(ctx context.Context) (device.Frame, error) {
	<-s.release
	return device.Frame{}, io.EOF
}
func (s *stuck) Close() error   { return nil }
func (s *stuck) String() string { return "stuck camera" }

// The watchdog ends a loop that stopped moving.
func TestWatchdog(t *testing.T) {
	cl := faultClassifier(t)
	cfg := defaults()
	cfg.CaptureTimeout, cfg.Backoff, cfg.MaxBackoff = duration(10*time.Millisecond), duration(time.Millisecond), duration(5*time.Millisecond)
	cam := &stuck{release: make(chan struct{})}
	fired := make(chan struct{})
	old, oldMin := hang, minWatchdog
	// Released, the camera fails at once and the loop goes on retrying; on
	// a slow or loaded machine (qemu) one of those turns can outlive the
	// short limit too and fire the watchdog again.
	var once sync.Once
	hang = func() { once.Do(func() { close(fired); close(cam.release) }) }
	minWatchdog = 0
	defer func() { hang, minWatchdog = old, oldMin }()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- loop(context.Background(), &cfg, cam, cl, nil, newScore(cl.Labels(), true), io.Discard, log.New(&logs, "", 0), nil)
	}()
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("the watchdog did not fire on a stuck camera")
	}
	<-done
	if !strings.Contains(logs.String(), "watchdog: the frame loop has not moved for 35ms") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// SIGHUP reloads the bundle: a corrupt file is refused and the board keeps
// classifying with the bundle it has; a good one is taken.
func TestReload(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	good, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "200", "-json"}, &out, &logs)
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; i < 400 && !cond(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if !cond() {
			t.Fatalf("never saw %s; log:\n%s", what, logs.String())
		}
	}
	waitFor("frames", func() bool { return strings.Count(out.String(), `"seq"`) > 3 })
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0x55
	if err := os.WriteFile(bundlePath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("the refusal", func() bool { return strings.Contains(logs.String(), "bundle reload refused, the running bundle stays") })
	n := strings.Count(out.String(), `"seq"`)
	waitFor("frames after the refusal", func() bool { return strings.Count(out.String(), `"seq"`) > n+3 })
	if err := os.WriteFile(bundlePath, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("the reload", func() bool { return strings.Contains(logs.String(), "bundle reloaded: fixture") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
