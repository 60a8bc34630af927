package journal

import (
	"fmt"
	"os"
)

// Compact replaces the log's contents with live (e.g. the taught examples
// still in the cache after evictions, or the replayed records when the log
// has grown long): it writes them to a new file, fsyncs it, renames it over
// the log and fsyncs the directory, then appends to the new file. Every
// record is checked before anything is written; if anything fails before the
// rename, the old log stays as it was and stays open.
func (l *Log) Compact(live []Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	var b []byte
	for i := range live {
		var err error
		if b, err = appendRecord(b, &live[i], l.hdr.Dim); err != nil {
			return fmt.Errorf("compact: record %d: %w", i, err)
		}
	}
	if err := writeAtomic(l.path, l.hdr, b); err != nil {
		return err
	}
	// From here the new file is the log, whatever happens to the old handle.
	f, err := os.OpenFile(l.path, os.O_RDWR, 0)
	if err != nil {
		l.err = fmt.Errorf("journal: reopen after compaction: %w", err)
		return l.err
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.f.Close()
	l.f = f
	l.size = headerSize + int64(len(b))
	l.count = len(live)
	l.pending = 0
	return nil
}
