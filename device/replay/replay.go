// Package replay is a camera that plays back a folder of image files, in a
// fixed order, as frames: the test bench for everything after the camera, and
// the demo's input.
package replay

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // the formats a replay folder may hold
	_ "image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edgecache/edgecache/device"
)

// Opts configures a replay.
type Opts struct {
	// Loop restarts from the first file after the last instead of ending.
	Loop bool
	// Interval paces frames like a camera running at 1/Interval frames per
	// second; 0 delivers them as fast as they decode.
	Interval time.Duration
	// RawJPEG hands JPEG files over undecoded (Frame.Data, Format
	// device.JPEG), as a JPEG camera does, so the consumer's decode path
	// (device/frame) is the board's. Other files are decoded into Image.
	RawJPEG bool
}

// DefaultOpts plays every file once, unpaced.
var DefaultOpts = Opts{}

// Dev replays the image files under a folder (recursively, in lexical path
// order with numbers compared by value, so 2.jpg precedes 10.jpg).
type Dev struct {
	root  string
	opts  Opts
	files []string

	mu   sync.Mutex
	next int
	seq  uint64
	last time.Time
}

var _ device.Source = (*Dev)(nil)

// New lists the .png, .jpg and .jpeg files under root.
func New(root string, opts *Opts) (*Dev, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	if opts.Interval < 0 {
		return nil, fmt.Errorf("replay: negative interval %v", opts.Interval)
	}
	d := &Dev{root: root, opts: *opts}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".png", ".jpg", ".jpeg":
			if !e.IsDir() {
				d.files = append(d.files, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if len(d.files) == 0 {
		return nil, fmt.Errorf("replay: no .png, .jpg or .jpeg files under %s", root)
	}
	slices.SortFunc(d.files, natural)
	return d, nil
}

// Len is the number of files in one pass.
func (d *Dev) Len() int { return len(d.files) }

func (d *Dev) String() string { return fmt.Sprintf("replay(%s, %d files)", d.root, len(d.files)) }

// Close does nothing: a replay holds no open files between frames.
func (d *Dev) Close() error { return nil }

// Next reads the next file (and decodes it unless it is a JPEG and
// Opts.RawJPEG is set). A file that cannot be read or decoded is an
// error naming it; the replay moves past it, so the caller may go on.
func (d *Dev) Next(ctx context.Context) (device.Frame, error) {
	d.mu.Lock()
	if d.next == len(d.files) {
		if !d.opts.Loop {
			d.mu.Unlock()
			return device.Frame{}, device.ErrEnd
		}
		d.next = 0
	}
	path, seq := d.files[d.next], d.seq
	d.next++
	d.seq++
	wait := time.Duration(0)
	if d.opts.Interval > 0 && !d.last.IsZero() {
		wait = time.Until(d.last.Add(d.opts.Interval))
	}
	d.last = time.Now().Add(max(wait, 0))
	d.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return device.Frame{}, ctx.Err()
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		return device.Frame{}, err
	}
	f, err := Load(path, d.opts.RawJPEG)
	f.Seq = seq
	return f, err
}

// Load reads one image file as a frame: a JPEG as its bytes when raw is set
// (decoded by the consumer, as a camera's), anything else decoded. Time is
// when it was read; Name is path.
func Load(path string, raw bool) (device.Frame, error) {
	if ext := strings.ToLower(filepath.Ext(path)); raw && (ext == ".jpg" || ext == ".jpeg") {
		data, err := os.ReadFile(path)
		if err != nil {
			return device.Frame{}, fmt.Errorf("replay: %w", err)
		}
		return device.Frame{Data: data, Format: device.JPEG, Time: time.Now(), Name: path}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return device.Frame{}, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return device.Frame{}, fmt.Errorf("replay: %s: %w", path, err)
	}
	return device.Frame{Image: img, Time: time.Now(), Name: path}, nil
}

// natural orders paths with digit runs compared by value.
func natural(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
