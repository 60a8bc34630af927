package journal_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/edgecache/edgecache/cache/journal"
)

// The board at start: open the log beside the bundle, replay the taught
// examples into the cache, then log each new one as it is taught.
func Example() {
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	var bundleID journal.ID // the bundle's SHA-256 (bundle.Bundle.ID)
	l, rp, err := journal.Open(filepath.Join(dir, "taught.log"), journal.Header{Bundle: bundleID, Dim: 4}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	for _, r := range rp.Records {
		_ = r // cache.AddWeighted(r.Key, r.Class, r.Weight), adding r.Name as a class when new
	}
	if rp.Dropped > 0 {
		fmt.Println("dropped a damaged tail:", rp.Reason)
	}
	err = l.Append(journal.Record{Class: 10, Name: "zebra", Time: time.Now(), Key: []float32{0.5, 0.5, 0.5, 0.5}})
	fmt.Println(len(rp.Records), "replayed;", l.Len(), "in the log;", err)
	// Output: 0 replayed; 1 in the log; <nil>
}
