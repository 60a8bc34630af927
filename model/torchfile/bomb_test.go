package torchfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"
)

// overlapZip makes a zip checkpoint of n float32 storages of numel zeros
// each, whose directory entries data/0 .. data/n-1 all point at one deflated
// stream (the overlapping-files zip bomb): a few kilobytes of archive that
// inflate to n*numel*4 bytes. Keys are single digits so that every directory
// record keeps its length. Layout of the records from APPNOTE.TXT 4.3.12
// (central directory file header) and 4.3.16 (end of central directory).
func overlapZip(t testing.TB, n, numel int) []byte {
	t.Helper()
	if n > 10 {
		t.Fatal("single-digit storage keys only")
	}
	ck := &fakeCheckpoint{storages: map[string][]byte{}}
	for i := range n {
		k := strconv.Itoa(i)
		ck.tensors = append(ck.tensors, fakeTensor{name: "w" + k, class: "FloatStorage", key: k, numel: numel, size: []int{numel}})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct {
		name   string
		method uint16
		data   []byte
	}{
		{"archive/data.pkl", zip.Store, ck.objectPickle(false)},
		{"archive/data/0", zip.Deflate, make([]byte, 4*numel)},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	le := binary.LittleEndian
	eocd := len(b) - 22 // no archive comment
	if le.Uint32(b[eocd:]) != 0x06054b50 {
		t.Fatal("no end of central directory record")
	}
	cdStart, cdSize := int(le.Uint32(b[eocd+16:])), int(le.Uint32(b[eocd+12:]))
	// Find data/0's record and copy it once per other key.
	var rec []byte
	for p := cdStart; p < cdStart+cdSize; {
		nameLen, extra, comment := int(le.Uint16(b[p+28:])), int(le.Uint16(b[p+30:])), int(le.Uint16(b[p+32:]))
		end := p + 46 + nameLen + extra + comment
		if string(b[p+46:p+46+nameLen]) == "archive/data/0" {
			rec = b[p:end]
		}
		p = end
	}
	if rec == nil {
		t.Fatal("no directory record for archive/data/0")
	}
	out := bytes.Clone(b[:eocd])
	for i := 1; i < n; i++ {
		r := bytes.Clone(rec)
		r[46+len("archive/data/")] = byte('0' + i)
		out = append(out, r...)
	}
	tail := bytes.Clone(b[eocd:])
	le.PutUint16(tail[8:], uint16(2+n-1))
	le.PutUint16(tail[10:], uint16(2+n-1))
	le.PutUint32(tail[12:], uint32(cdSize+(n-1)*len(rec)))
	return append(out, tail...)
}

// TestZipBomb: storages that share one deflated stream are refused once
// they inflate past what the archive's size allows; before, a file of a few
// kilobytes read as 9 MiB here (and as gigabytes with larger numbers).
func TestZipBomb(t *testing.T) {
	const n, numel = 9, 1 << 18
	b := overlapZip(t, n, numel)
	if len(b) > 4<<10 {
		t.Fatalf("crafted archive of %d bytes: expected a few KiB", len(b))
	}
	mustFail(t, "overlapping entries", b, "inflates to 1048576 bytes, more than is left of the", "entries overlap")
	// One such entry alone is honest: it fits the budget and reads.
	w, err := read(overlapZip(t, 1, numel))
	if err != nil || len(w["w0"].Data) != numel {
		t.Fatalf("a single deflated storage: %d values, %v", len(w["w0"].Data), err)
	}
}
