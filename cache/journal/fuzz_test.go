package journal

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must never panic, and
// when the header reads, the kept records re-encode to exactly the bytes
// they were read from, and kept plus dropped bytes cover the input.
func FuzzRead(f *testing.F) {
	var valid []byte
	valid = testHeader().append(valid)
	for i := 0; i < 3; i++ {
		r := testRecord(i)
		var err error
		if valid, err = appendRecord(valid, &r, testDim); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-5])
	f.Add(valid[:headerSize])
	f.Add(valid[:headerSize+3])
	f.Add([]byte{})
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		rp, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if rp.Size+rp.Dropped != int64(len(data)) {
			t.Fatalf("kept %d + dropped %d bytes of %d", rp.Size, rp.Dropped, len(data))
		}
		if (rp.Dropped > 0) != (rp.Reason != nil) {
			t.Fatalf("dropped %d bytes, reason %v", rp.Dropped, rp.Reason)
		}
		b := rp.Header.append(nil)
		for i := range rp.Records {
			if b, err = appendRecord(b, &rp.Records[i], rp.Header.Dim); err != nil {
				t.Fatalf("record %d read but cannot be written: %v", i, err)
			}
		}
		if !bytes.Equal(b, data[:rp.Size]) {
			t.Fatal("records do not re-encode to the bytes they were read from")
		}
	})
}
