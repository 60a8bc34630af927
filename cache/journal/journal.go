package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Log is an open teach log, appending at its end.
type Log struct {
	path string
	hdr  Header
	opts Opts

	mu      sync.Mutex
	f       *os.File
	size    int64 // end of the last whole record
	count   int   // records in the file
	pending int   // records written since the last fsync
	timer   *time.Timer
	buf     []byte
	err     error // sticky: the file's end is unknown after a failed repair
	closed  bool
}

// compactSuffix names the file a compaction writes before renaming it over
// the log; one left by a crash is removed at Open.
const compactSuffix = ".compact"

// Open opens the log at path for the bundle and key length in want, creating
// it when it does not exist (or is empty), and replays it: the Replay holds
// every whole record in order, and says how many bytes of a torn or corrupt
// tail were dropped. The dropped bytes are cut off the file before Open
// returns. A log of another bundle or key length is refused; the file is
// left untouched then.
func Open(path string, want Header, opts *Opts) (*Log, *Replay, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if err := want.check(); err != nil {
		return nil, nil, err
	}
	if err := os.Remove(path + compactSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("journal: remove unfinished compaction: %w", err)
	}
	if st, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || err == nil && st.Size() == 0 {
		if err := writeAtomic(path, want, nil); err != nil {
			return nil, nil, err
		}
	} else if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	rp, err := Read(f)
	if err == nil {
		err = checkHeader(rp.Header, want)
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w (%s)", err, path)
	}
	if rp.Dropped > 0 {
		if err := f.Truncate(rp.Size); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal: cut damaged tail: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal: sync: %w", err)
		}
	}
	return &Log{path: path, hdr: want, opts: o, f: f, size: rp.Size, count: len(rp.Records)}, rp, nil
}

func checkHeader(got, want Header) error {
	if got.Bundle != want.Bundle {
		return fmt.Errorf("%w: written for bundle %v, this is bundle %v", ErrForeign, got.Bundle, want.Bundle)
	}
	if got.Dim != want.Dim {
		return fmt.Errorf("journal: log holds keys of %d values, the cache's are %d", got.Dim, want.Dim)
	}
	return nil
}

// Header is what the log is tied to.
func (l *Log) Header() Header { return l.hdr }

// Path is the log's file.
func (l *Log) Path() string { return l.path }

// Len is the number of records in the file.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// Size is the file's length in bytes.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Append adds r at the end of the log and, under SyncEach, forces it to
// storage before returning. A record that fails its checks is refused and
// nothing is written. When the write fails, the partial record is cut off
// again so that the log stays whole.
func (l *Log) Append(r Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	b, err := appendRecord(l.buf[:0], &r, l.hdr.Dim)
	if err != nil {
		return err
	}
	l.buf = b
	// One write at the end of the last whole record: a crash tears at most
	// this record, which the next Open cuts off.
	if _, err := l.f.WriteAt(b, l.size); err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.err = fmt.Errorf("journal: append failed (%v) and the partial record could not be cut off: %w", err, terr)
		}
		return fmt.Errorf("journal: append: %w", err)
	}
	l.size += int64(len(b))
	l.count++
	l.pending++
	switch l.opts.Sync {
	case SyncEach:
		return l.syncLocked()
	case SyncBatch:
		if l.pending >= l.opts.Every {
			return l.syncLocked()
		}
		if l.timer == nil {
			l.timer = time.AfterFunc(l.opts.Interval, l.syncByTimer)
		}
	}
	return nil
}

// syncByTimer ends a SyncBatch interval. An error here stays sticky so the
// next Append reports it.
func (l *Log) syncByTimer() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer = nil
	if l.closed || l.err != nil || l.pending == 0 {
		return
	}
	if err := l.syncLocked(); err != nil {
		l.err = err
	}
}

// Sync forces every appended record to storage.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	return l.syncLocked()
}

func (l *Log) syncLocked() error {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("journal: sync: %w", err)
	}
	l.pending = 0
	return nil
}

func (l *Log) usable() error {
	if l.closed {
		return errors.New("journal: log is closed")
	}
	return l.err
}

// Close syncs and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	var err error
	if l.err == nil && l.pending > 0 {
		err = l.syncLocked()
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.closed = true
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("journal: close: %w", cerr)
	}
	return err
}

// writeAtomic writes a whole log (the header and recs, already framed) to
// path through a temporary file, fsynced, renamed over path, with the
// directory fsynced: a crash leaves the old file or the new one, never part.
func writeAtomic(path string, h Header, recs []byte) error {
	tmp := path + compactSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	b := h.append(make([]byte, 0, headerSize+len(recs)))
	b = append(b, recs...)
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal: write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable: the new name lives in the
// directory's own data, which fsync of the file does not write.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal: sync directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal: sync directory %s: %w", dir, err)
	}
	return nil
}
