package mjpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/edgecache/edgecache/device"
)

// Opts configures a Dev.
type Opts struct {
	// MaxFrame bounds one JPEG in bytes; 0 means DefaultMaxFrame.
	MaxFrame int
	// Width and Height are the size the camera was asked for, passed on in
	// each Frame (0: unknown; the JPEG header is authoritative anyway).
	Width, Height int
}

// Dev is a camera whose frames arrive as an MJPEG stream on an io.Reader. A
// goroutine reads ahead and keeps only the newest frame, so a consumer that
// is slower than the camera gets fresh frames rather than a growing backlog.
type Dev struct {
	name string
	opts Opts
	feed *feed
	stop func() error
}

var _ device.Source = (*Dev)(nil)

// New reads frames from r until it ends or Close is called; Close closes r
// when it is an io.Closer (which also ends a read blocked on it).
func New(r io.Reader, name string, opts *Opts) *Dev {
	if opts == nil {
		opts = &Opts{}
	}
	d := &Dev{name: name, opts: *opts, feed: newFeed()}
	go func() {
		d.feed.pump(NewReader(r, opts.MaxFrame))
		d.feed.finish(device.ErrEnd)
	}()
	d.stop = func() error {
		d.feed.finish(errClosed)
		var err error
		if c, ok := r.(io.Closer); ok {
			err = c.Close()
		}
		return err
	}
	return d
}

var errClosed = errors.New("mjpeg: source closed")

func (d *Dev) String() string { return fmt.Sprintf("mjpeg(%s)", d.name) }

// Close stops reading and closes the reader.
func (d *Dev) Close() error { return d.stop() }

// Next waits for the next frame. A frame that was cut or corrupt is an
// error wrapping ErrCut or ErrCorrupt; the source goes on. Once the stream
// has ended, Next returns device.ErrEnd.
func (d *Dev) Next(ctx context.Context) (device.Frame, error) {
	data, err := d.feed.next(ctx)
	if err != nil {
		return device.Frame{}, err
	}
	return device.Frame{Data: data.b, Format: device.JPEG, Width: d.opts.Width, Height: d.opts.Height,
		Seq: data.seq, Time: data.t, Name: d.name}, nil
}

// item is a frame or an error from the reading goroutine.
type item struct {
	b   []byte
	err error
	seq uint64
	t   time.Time
}

// feed hands the newest item from a reader goroutine to Next, recycling
// frame buffers: the one the consumer holds goes back to the pool at its
// next call (device.Frame's contract), so reading allocates nothing once
// the buffers have grown to the frame size.
type feed struct {
	mu     sync.Mutex
	wake   chan struct{}
	ready  item // newest undelivered frame, when has
	has    bool
	errs   []error
	held   []byte // the buffer the consumer has
	free   [][]byte
	end    error
	seq    uint64
	closed bool
}

func newFeed() *feed { return &feed{wake: make(chan struct{}, 1)} }

// pump copies frames from m until its stream ends or the feed is closed.
func (f *feed) pump(m *Reader) {
	for {
		b, err := m.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil && !errors.Is(err, ErrCut) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
			f.put(nil, err)
			return // a read error: the stream is gone
		}
		if !f.put(b, err) {
			return
		}
	}
}

// put queues a frame (copied) or an error; false once the feed is closed.
func (f *feed) put(b []byte, err error) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	if err != nil {
		if len(f.errs) < 8 {
			f.errs = append(f.errs, err)
		}
	} else {
		var buf []byte
		if n := len(f.free); n > 0 {
			buf, f.free = f.free[n-1], f.free[:n-1]
		}
		if f.has { // the consumer is behind: drop the older frame
			f.free = append(f.free, f.ready.b)
		}
		f.has = true
		f.ready.b = append(buf[:0], b...)
		f.ready.seq, f.ready.t = f.seq, time.Now()
		f.seq++
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
	return true
}

// finish ends the feed: Next returns err once queued items are taken.
func (f *feed) finish(err error) {
	f.mu.Lock()
	if f.end == nil {
		f.end = err
	}
	if err == errClosed {
		f.closed = true
	}
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed) next(ctx context.Context) (item, error) {
	for {
		f.mu.Lock()
		if f.held != nil {
			f.free = append(f.free, f.held)
			f.held = nil
		}
		if f.closed {
			f.mu.Unlock()
			return item{}, errClosed
		}
		if len(f.errs) > 0 {
			err := f.errs[0]
			f.errs = f.errs[1:]
			f.mu.Unlock()
			return item{}, err
		}
		if f.has {
			it := f.ready
			f.has, f.ready.b = false, nil
			f.held = it.b
			f.mu.Unlock()
			return it, nil
		}
		end := f.end
		f.mu.Unlock()
		if end != nil {
			return item{}, end
		}
		select {
		case <-ctx.Done():
			return item{}, ctx.Err()
		case <-f.wake:
		}
	}
}
