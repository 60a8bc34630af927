// Package atomicfile writes a file so that its name never holds half of
// it: a temporary file in the same folder, written, synced, then renamed
// over the name. The cache and bundle files the board reads are written
// this way.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write calls write on a temporary file beside path and renames it to path
// when write, the sync and the close all succeed; otherwise it removes the
// temporary file, leaves whatever path held, and returns the first error.
// The file is readable by all (0644, as os.WriteFile makes it): caches and
// bundles hold no secret, and the board program runs as its own user,
// while CreateTemp would leave them to their owner alone.
func Write(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	err = f.Chmod(0o644)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
