package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache"
)

const testDim = 12

var testBundle = ID{1, 2, 3, 4, 5, 6, 7, 8, 9}

func testHeader() Header { return Header{Bundle: testBundle, Dim: testDim} }

// testRecord is record i of a deterministic sequence: class names of varying
// length (a new class past 10 every so often), weights and keys exactly
// representable in fp16, so a replayed record equals the original.
func testRecord(i int) Record {
	r := Record{
		Class:  i % 13,
		Name:   fmt.Sprintf("class-%d%s", i%13, strings.Repeat("x", i%5)),
		Weight: 1 + i%3,
		Time:   time.Unix(1_700_000_000+int64(i), int64(i)*1000),
		Key:    make([]float32, testDim),
	}
	for j := range r.Key {
		r.Key[j] = float32((i*7+j*3)%64-32) / 64
	}
	return r
}

func equalRecords(t *testing.T, got []Record, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		if err := sameRecord(got[i], want[i]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}

func sameRecord(g, w Record) error {
	if w.Weight == 0 {
		w.Weight = 1
	}
	if g.Class != w.Class || g.Name != w.Name || g.Weight != w.Weight || !g.Time.Equal(w.Time) {
		return fmt.Errorf("got %d %q w%d %v, want %d %q w%d %v", g.Class, g.Name, g.Weight, g.Time, w.Class, w.Name, w.Weight, w.Time)
	}
	if len(g.Key) != len(w.Key) {
		return fmt.Errorf("key of %d values, want %d", len(g.Key), len(w.Key))
	}
	for j := range g.Key {
		if g.Key[j] != w.Key[j] {
			return fmt.Errorf("key[%d] = %v, want %v", j, g.Key[j], w.Key[j])
		}
	}
	return nil
}

// writeLog makes a log of n test records and returns its bytes and the
// offset where each record starts.
func writeLog(t *testing.T, path string, n int) ([]byte, []int64) {
	t.Helper()
	l, rp, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Records) != 0 || rp.Dropped != 0 || rp.Size != headerSize {
		t.Fatalf("new log replayed %d records, dropped %d, size %d", len(rp.Records), rp.Dropped, rp.Size)
	}
	var starts []int64
	for i := 0; i < n; i++ {
		starts = append(starts, l.Size())
		if err := l.Append(testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, starts
}

func testRecords(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = testRecord(i)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	writeLog(t, path, 20)
	l, rp, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equalRecords(t, rp.Records, testRecords(20))
	if rp.Dropped != 0 || rp.Reason != nil {
		t.Fatalf("clean log dropped %d bytes: %v", rp.Dropped, rp.Reason)
	}
	if l.Len() != 20 {
		t.Fatalf("Len %d, want 20", l.Len())
	}
	// Appending after a reopen continues the same sequence.
	for i := 20; i < 25; i++ {
		if err := l.Append(testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	_, rp, err = Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equalRecords(t, rp.Records, testRecords(25))
}

// TestKeyRounding: a key that is not fp16-exact comes back as the cache would
// hold it (fp16, round to nearest even), and weight 0 is stored as 1.
func TestKeyRounding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	l, _, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := Record{Class: 70000 % cache.MaxClasses, Name: "zebra", Key: make([]float32, testDim)}
	for j := range r.Key {
		r.Key[j] = 1 / float32(j+3)
	}
	if err := l.Append(r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, rp, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := rp.Records[0]
	if got.Weight != 1 || !got.Time.IsZero() || got.Class != r.Class {
		t.Fatalf("weight %d, time %v, class %d", got.Weight, got.Time, got.Class)
	}
	for j, v := range got.Key {
		// fp16 has an 11-bit significand: relative error at most 2^-11.
		if d := math.Abs(float64(v-r.Key[j])) / float64(r.Key[j]); d > 1.0/2048 {
			t.Fatalf("key[%d] = %v for %v (relative error %g)", j, v, r.Key[j], d)
		}
	}
}

// TestTornTail cuts the file at every byte offset of its last record: every
// earlier record is kept, the torn one is not invented, the tail is cut off
// the file, and a record appended afterwards reads back after the kept ones.
func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taught.log")
	full, starts := writeLog(t, path, 3)
	last := starts[2]
	for cut := last; cut < int64(len(full)); cut++ {
		if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		l, rp, err := Open(path, testHeader(), nil)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		equalRecords(t, rp.Records, testRecords(2))
		if rp.Size != last || rp.Dropped != cut-last || (cut > last) != (rp.Reason != nil) {
			t.Fatalf("cut at %d: size %d, dropped %d (%v); want size %d, dropped %d", cut, rp.Size, rp.Dropped, rp.Reason, last, cut-last)
		}
		if st, _ := os.Stat(path); st.Size() != last {
			t.Fatalf("cut at %d: file is %d bytes after Open, want %d", cut, st.Size(), last)
		}
		again := testRecord(99)
		if err := l.Append(again); err != nil {
			t.Fatal(err)
		}
		l.Close()
		_, rp, err = Open(path, testHeader(), nil)
		if err != nil {
			t.Fatal(err)
		}
		equalRecords(t, rp.Records, append(testRecords(2), again))
	}
}

// TestCorruptTail flips a byte at every offset of the last record (with two
// masks: one bit, all bits): the corruption is always caught, every earlier
// record is kept and nothing is invented.
func TestCorruptTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	full, starts := writeLog(t, path, 3)
	last := starts[2]
	missed := 0
	for off := last; off < int64(len(full)); off++ {
		for _, mask := range []byte{0x01, 0xff} {
			b := bytes.Clone(full)
			b[off] ^= mask
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			l, rp, err := Open(path, testHeader(), nil)
			if err != nil {
				t.Fatalf("flip %#x at %d: %v", mask, off, err)
			}
			l.Close()
			if len(rp.Records) != 2 || rp.Dropped != int64(len(full))-last || rp.Reason == nil {
				missed++
				t.Errorf("flip %#x at %d: %d records, dropped %d (%v)", mask, off, len(rp.Records), rp.Dropped, rp.Reason)
				continue
			}
			equalRecords(t, rp.Records, testRecords(2))
		}
	}
	if missed > 0 {
		t.Fatalf("%d corruptions went unnoticed", missed)
	}
}

// TestCorruptHeader: any damage to the header is refused with an error and
// the file is left as it was (it may hold a user's examples).
func TestCorruptHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	full, _ := writeLog(t, path, 2)
	for off := 0; off < headerSize; off++ {
		b := bytes.Clone(full)
		b[off] ^= 0x10
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Open(path, testHeader(), nil); err == nil {
			t.Fatalf("flip at header offset %d accepted", off)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
			t.Fatalf("flip at header offset %d: refused file was changed", off)
		}
	}
	for cut := 1; cut < headerSize; cut++ {
		if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Open(path, testHeader(), nil); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("header cut at %d: %v", cut, err)
		}
	}
}

func TestForeignLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	full, _ := writeLog(t, path, 2)
	other := testBundle
	other[31] ^= 1
	_, _, err := Open(path, Header{Bundle: other, Dim: testDim}, nil)
	if !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), testBundle.String()) {
		t.Fatalf("log of another bundle: %v", err)
	}
	_, _, err = Open(path, Header{Bundle: testBundle, Dim: testDim + 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "keys of 12 values") {
		t.Fatalf("log of another key length: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, full) {
		t.Fatal("a refused log was changed")
	}
	if err := os.WriteFile(path, []byte("EDGECACH and then some bytes of another file, long enough"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path, testHeader(), nil); !errors.Is(err, ErrNotLog) {
		t.Fatalf("a cache file opened as a log: %v", err)
	}
}

// TestHugeLength: a length field of 4 GiB is refused before allocating (and
// is no int overflow on 32-bit boards).
func TestHugeLength(t *testing.T) {
	var b []byte
	b = testHeader().append(b)
	b = append(b, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4)
	rp, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Records) != 0 || rp.Dropped != 8 || rp.Reason == nil || !strings.Contains(rp.Reason.Error(), "length 4294967295 outside") {
		t.Fatalf("huge length: %d records, dropped %d: %v", len(rp.Records), rp.Dropped, rp.Reason)
	}
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taught.log")
	writeLog(t, path, 30)
	// A compaction a crash interrupted leaves its temporary file: Open
	// removes it and keeps the log.
	if err := os.WriteFile(path+compactSuffix, []byte("half a compaction"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, rp, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + compactSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unfinished compaction left behind: %v", err)
	}
	// Compacting the replayed records keeps every one.
	if err := l.Compact(rp.Records); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(testRecord(30)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, rp, err = Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equalRecords(t, rp.Records, testRecords(31))
	// Compacting to a subset (examples evicted) shrinks the file.
	before := l.Size()
	keep := []Record{testRecord(3), testRecord(17)}
	if err := l.Compact(keep); err != nil {
		t.Fatal(err)
	}
	if l.Size() >= before || l.Len() != 2 {
		t.Fatalf("compacted to %d bytes, %d records (from %d)", l.Size(), l.Len(), before)
	}
	// A bad record refuses the compaction and leaves the log as it was.
	bad := testRecord(5)
	bad.Key = bad.Key[:3]
	if err := l.Compact([]Record{testRecord(1), bad}); err == nil || !strings.Contains(err.Error(), "record 1") {
		t.Fatalf("compaction with a bad record: %v", err)
	}
	l.Close()
	_, rp, err = Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equalRecords(t, rp.Records, keep)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("directory holds %d files after compactions, want 1", len(entries))
	}
}

func TestAppendRefusesBadRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taught.log")
	l, _, err := Open(path, testHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mod := func(f func(*Record)) Record { r := testRecord(1); f(&r); return r }
	cases := []struct {
		r    Record
		want string
	}{
		{mod(func(r *Record) { r.Key = r.Key[1:] }), "key of 11 values"},
		{mod(func(r *Record) { r.Key[2] = float32(math.NaN()) }), "key value 2 is NaN"},
		{mod(func(r *Record) { r.Key[3] = 70000 }), "key value 3 is 70000"},
		{mod(func(r *Record) { r.Key[0] = float32(math.Inf(-1)) }), "key value 0 is -Inf"},
		{mod(func(r *Record) { r.Name = "" }), "class name of 0 bytes"},
		{mod(func(r *Record) { r.Name = strings.Repeat("n", MaxName+1) }), "class name of 256 bytes"},
		{mod(func(r *Record) { r.Name = "bad\xff" }), "not UTF-8"},
		{mod(func(r *Record) { r.Class = -1 }), "class -1 outside"},
		{mod(func(r *Record) { r.Class = cache.MaxClasses }), "class 65536 outside"},
		{mod(func(r *Record) { r.Weight = cache.MaxWeight + 1 }), "weight 65536 outside"},
		{mod(func(r *Record) { r.Weight = -2 }), "weight -2 outside"},
	}
	for _, c := range cases {
		err := l.Append(c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want error %q, got %v", c.want, err)
		}
	}
	if l.Size() != headerSize || l.Len() != 0 {
		t.Fatalf("refused records wrote %d bytes", l.Size()-headerSize)
	}
}

func TestSyncPolicies(t *testing.T) {
	for _, o := range []Opts{{Sync: SyncNever}, {Sync: SyncBatch, Every: 4}, {Sync: SyncBatch, Every: 1000, Interval: 5 * time.Millisecond}} {
		t.Run(o.Sync.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "taught.log")
			l, _, err := Open(path, testHeader(), &o)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 10; i++ {
				if err := l.Append(testRecord(i)); err != nil {
					t.Fatal(err)
				}
			}
			l.mu.Lock()
			pending := l.pending
			l.mu.Unlock()
			switch {
			case o.Sync == SyncNever && pending != 10:
				t.Fatalf("never: %d pending, want 10", pending)
			case o.Sync == SyncBatch && o.Every == 4 && pending != 2:
				t.Fatalf("every 4: %d pending after 10, want 2", pending)
			}
			if o.Interval > 0 {
				// The timer syncs what is pending without another Append.
				deadline := time.Now().Add(5 * time.Second)
				for pending > 0 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
					l.mu.Lock()
					pending = l.pending
					l.mu.Unlock()
				}
				if pending > 0 {
					t.Fatalf("interval sync never ran: %d pending", pending)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := l.Append(testRecord(0)); err == nil {
				t.Fatal("append to a closed log accepted")
			}
			_, rp, err := Open(path, testHeader(), nil)
			if err != nil {
				t.Fatal(err)
			}
			equalRecords(t, rp.Records, testRecords(10))
		})
	}
	if _, _, err := Open(filepath.Join(t.TempDir(), "x"), testHeader(), &Opts{Sync: 7}); err == nil {
		t.Fatal("unknown sync policy accepted")
	}
	if _, _, err := Open(filepath.Join(t.TempDir(), "x"), Header{Dim: 0}, nil); err == nil {
		t.Fatal("key length 0 accepted")
	}
}
