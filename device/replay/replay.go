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
	"io"
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
	// MaxPixels refuses an image file whose header claims more pixels,
	// before it is decoded; 0 means DefaultMaxPixels.
	MaxPixels int
}

// DefaultMaxPixels bounds a decoded image: 16.7 million pixels, above the
// largest Raspberry Pi camera mode (the HQ camera's 12.3 MP), as
// device/frame bounds a frame. A corrupt header claiming 65535x65535 would
// otherwise have the decoder allocate gigabytes, more than a 32-bit board
// can address.
const DefaultMaxPixels = 1 << 24

// MaxFileSize bounds a file read whole (a raw JPEG): 64 MiB, several times
// a 16.7 MP JPEG at the highest quality.
const MaxFileSize = 64 << 20

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
	if opts.MaxPixels < 0 {
		return nil, fmt.Errorf("replay: max pixels %d", opts.MaxPixels)
	}
	d := &Dev{root: root, opts: *opts}
	if d.opts.MaxPixels == 0 {
		d.opts.MaxPixels = DefaultMaxPixels
	}
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
	f, err := load(path, d.opts.RawJPEG, d.opts.MaxPixels)
	f.Seq = seq
	return f, err
}

// Load reads one image file as a frame: a JPEG as its bytes when raw is set
// (decoded by the consumer, as a camera's), anything else decoded, up to
// DefaultMaxPixels. Time is when it was read; Name is path.
func Load(path string, raw bool) (device.Frame, error) {
	return load(path, raw, DefaultMaxPixels)
}

func load(path string, raw bool, maxPixels int) (device.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return device.Frame{}, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	if ext := strings.ToLower(filepath.Ext(path)); raw && (ext == ".jpg" || ext == ".jpeg") {
		st, err := f.Stat()
		if err != nil {
			return device.Frame{}, fmt.Errorf("replay: %w", err)
		}
		if st.Size() > MaxFileSize {
			return device.Frame{}, fmt.Errorf("replay: %s: %d bytes, over the %d-byte limit for an image", path, st.Size(), MaxFileSize)
		}
		data := make([]byte, st.Size())
		if _, err := io.ReadFull(f, data); err != nil {
			return device.Frame{}, fmt.Errorf("replay: %s: %w", path, err)
		}
		return device.Frame{Data: data, Format: device.JPEG, Time: time.Now(), Name: path}, nil
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return device.Frame{}, fmt.Errorf("replay: %s: %w", path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return device.Frame{}, fmt.Errorf("replay: %s: a %dx%d image, over the %d-pixel limit (or empty)", path, cfg.Width, cfg.Height, maxPixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return device.Frame{}, fmt.Errorf("replay: %w", err)
	}
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
