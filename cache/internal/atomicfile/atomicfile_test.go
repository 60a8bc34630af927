package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWrite: a written file is readable by all and holds what was
// written; a failed write leaves the file that was there and no temporary
// beside it.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.bundle")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "good"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want -rw-r--r--", st.Mode(), err)
	}
	bad := errors.New("disk full")
	if err := Write(path, func(w io.Writer) error { io.WriteString(w, "ha"); return bad }); !errors.Is(err, bad) {
		t.Errorf("failed write returned %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "good" {
		t.Errorf("after a failed write the file holds %q, %v", b, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files left in the folder, want 1", len(ents))
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); err == nil {
		t.Error("write into a missing folder succeeded")
	}
}
