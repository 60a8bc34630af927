package mjpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgecache/edgecache/device"
)

// PipeOpts configures a Pipe.
type PipeOpts struct {
	// Command is the program and its arguments; it must write MJPEG on its
	// standard output. nil means RpicamCommand(Width, Height, FPS).
	Command []string
	// Width, Height and FPS are the mode asked of rpicam-vid; 0 means
	// 320x240 at 10 frames per second.
	Width, Height, FPS int
	// MaxFrame bounds one JPEG in bytes; 0 means DefaultMaxFrame.
	MaxFrame int
	// MinBackoff and MaxBackoff bound the wait before restarting a command
	// that died: it starts at MinBackoff, doubles while the command dies
	// without delivering a frame, and returns to MinBackoff after one that
	// did. 0 means 250 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
}

// RpicamCommand is the command that streams a Pi camera module (any CSI
// camera libcamera drives) as MJPEG on stdout: rpicam-vid from rpicam-apps
// (Raspberry Pi documentation, "rpicam-apps": -t 0 runs until killed, -n
// shows no preview window, --codec mjpeg writes whole JPEGs, -o - writes
// to stdout).
func RpicamCommand(width, height, fps int) []string {
	return []string{"rpicam-vid", "-t", "0", "-n", "--codec", "mjpeg",
		"--width", strconv.Itoa(width), "--height", strconv.Itoa(height),
		"--framerate", strconv.Itoa(fps), "-o", "-"}
}

// Pipe is a camera that runs a command and reads MJPEG from its output,
// restarting it with backoff when it exits (a camera that is unplugged, a
// driver hiccup), so a board left alone keeps running. Each exit is
// reported by Next as an error, with the end of the command's stderr.
type Pipe struct {
	opts   PipeOpts
	feed   *feed
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ device.Source = (*Pipe)(nil)

// NewPipe starts the command.
func NewPipe(opts *PipeOpts) (*Pipe, error) {
	o := PipeOpts{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	if o.FPS == 0 {
		o.FPS = 10
	}
	if o.Width < 1 || o.Height < 1 || o.FPS < 1 {
		return nil, fmt.Errorf("mjpeg: camera mode %dx%d at %d fps", o.Width, o.Height, o.FPS)
	}
	if o.Command == nil {
		o.Command = RpicamCommand(o.Width, o.Height, o.FPS)
	}
	if len(o.Command) == 0 || o.Command[0] == "" {
		return nil, errors.New("mjpeg: empty command")
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if _, err := exec.LookPath(o.Command[0]); err != nil {
		hint := ""
		if o.Command[0] == "rpicam-vid" {
			hint = " (install rpicam-apps, or choose another camera)"
		}
		return nil, fmt.Errorf("mjpeg: %w%s", err, hint)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipe{opts: o, feed: newFeed(), cancel: cancel}
	p.wg.Add(1)
	go p.run(ctx)
	return p, nil
}

func (p *Pipe) String() string { return "pipe(" + strings.Join(p.opts.Command, " ") + ")" }

// Close kills the command and waits for it.
func (p *Pipe) Close() error {
	p.feed.finish(errClosed)
	p.cancel()
	p.wg.Wait()
	return nil
}

// Next waits for the next frame; a command that died is an error (the pipe
// restarts it), as is a frame cut short.
func (p *Pipe) Next(ctx context.Context) (device.Frame, error) {
	it, err := p.feed.next(ctx)
	if err != nil {
		return device.Frame{}, err
	}
	return device.Frame{Data: it.b, Format: device.JPEG, Width: p.opts.Width, Height: p.opts.Height,
		Seq: it.seq, Time: it.t, Name: p.opts.Command[0]}, nil
}

// run starts the command, reads it dry, and restarts it until ctx ends.
func (p *Pipe) run(ctx context.Context) {
	defer p.wg.Done()
	backoff := p.opts.MinBackoff
	for ctx.Err() == nil {
		got, err := p.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if got {
			backoff = p.opts.MinBackoff
		}
		if !p.feed.put(nil, fmt.Errorf("mjpeg: %s: %w; restarting in %v", p.opts.Command[0], err, backoff)) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, p.opts.MaxBackoff)
	}
}

// once runs the command to its end; got reports whether a frame came.
func (p *Pipe) once(ctx context.Context) (got bool, err error) {
	cmd := exec.CommandContext(ctx, p.opts.Command[0], p.opts.Command[1:]...)
	var stderr tail
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	if err := cmd.Start(); err != nil {
		return false, err
	}
	m := NewReader(out, p.opts.MaxFrame)
	var readErr error
	for {
		b, err := m.Next()
		if err == nil {
			got = true
		}
		if err != nil && !errors.Is(err, ErrCut) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		if !p.feed.put(b, err) {
			break
		}
	}
	werr := cmd.Wait()
	switch {
	case werr != nil:
		err = werr
	case readErr != nil:
		err = readErr
	default:
		err = errors.New("exited")
	}
	if s := stderr.String(); s != "" {
		err = fmt.Errorf("%w (stderr: %s)", err, s)
	}
	return got, err
}

// tail keeps the last 512 bytes written to it: the end of a command's
// stderr, where the reason it died usually is.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if n := len(t.b); n > 512 {
		t.b = append(t.b[:0], t.b[n-512:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
