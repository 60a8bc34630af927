package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"testing"
)

// craftScalarChunked rewrites v3.h5's single_plain (7 float64, one chunk of
// 7, layout message version 4, single chunk index) into a chunked dataset
// with a scalar dataspace: the dataspace's rank byte becomes 0 and the layout
// message is rewritten with a chunk dimensionality of 1 (only the element
// size), as a corrupt or hostile writer could store it. The object header's
// checksum is recomputed so the reader reaches the layout.
func craftScalarChunked(t testing.TB) []byte {
	t.Helper()
	f, b := open(t, "v3.h5")
	ds, err := f.Root().Dataset("single_plain")
	if err != nil {
		t.Fatal(err)
	}
	o := ds.obj
	space, lay := o.find(msgDataspace), o.find(msgLayout)
	if space == nil || lay == nil || lay.data[0] != 4 || ds.layout.index != 1 {
		t.Fatalf("single_plain is no longer a version 4 single-chunk layout: regenerate the test")
	}
	c := bytes.Clone(b)
	c[space.at+1] = 0 // rank
	// Version 4, chunked, no flags, dimensionality 1, 1-byte widths, the
	// element size, single chunk index, the chunk's address; the rest of the
	// message body is left as padding.
	l := []byte{4, layoutChunked, 0, 1, 1, byte(ds.typ.Size), 1}
	l = binary.LittleEndian.AppendUint64(l, ds.layout.addr)
	if len(l) > len(lay.data) {
		t.Fatalf("layout message of %d bytes cannot take %d", len(lay.data), len(l))
	}
	copy(c[lay.at:], l)
	resumHeader(t, c, o.addr)
	return c
}

// resumHeader recomputes the lookup3 checksum of the version 2 object header
// whose chunk 0 starts at addr (section IV.A.1.b; the layout readV2 parses).
func resumHeader(t testing.TB, b []byte, addr uint64) {
	t.Helper()
	h := b[addr:]
	if string(h[:4]) != "OHDR" {
		t.Fatalf("no version 2 object header at %#x", addr)
	}
	flags, p := h[5], 6
	if flags&0x20 != 0 {
		p += 16
	}
	if flags&0x10 != 0 {
		p += 4
	}
	w := 1 << (flags & 3)
	var size uint64
	for i := range w {
		size |= uint64(h[p+i]) << (8 * i)
	}
	end := uint64(p+w) + size
	binary.LittleEndian.PutUint32(h[end:], lookup3(h[:end]))
}

// TestScalarChunked: a chunked layout on a rank 0 dataspace used to index
// the chunk extent at rank-1 and panic; it must be refused by name.
func TestScalarChunked(t *testing.T) {
	c := craftScalarChunked(t)
	f, err := Open(bytes.NewReader(c), int64(len(c)))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.Root().Dataset("single_plain")
	if err == nil {
		_, err = ds.Float32s() // where the panic was
	}
	wantErr(t, err, "single_plain", "chunked layout for a dataspace of rank 0")
	// The rest of the file still reads.
	if _, err := f.Root().Dataset("single"); err != nil {
		t.Errorf("the untouched dataset: %v", err)
	}
}

// craftHugeDim gives v3.h5's implicit (5 x 7 float32) the shape 0 x 2^33:
// no elements, so no byte count refuses it, but a dimension a 32-bit int
// cannot hold, which Shape used to wrap to 0 on the armv6/armv7 boards.
func craftHugeDim(t testing.TB) []byte {
	t.Helper()
	f, b := open(t, "v3.h5")
	ds, err := f.Root().Dataset("implicit")
	if err != nil {
		t.Fatal(err)
	}
	space := ds.obj.find(msgDataspace)
	if space.data[0] != 2 || space.data[1] != 2 || f.lenSize != 8 {
		t.Fatalf("implicit is no longer a version 2 dataspace of rank 2: regenerate the test")
	}
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint64(c[space.at+4:], 0)
	binary.LittleEndian.PutUint64(c[space.at+12:], 1<<33)
	resumHeader(t, c, ds.obj.addr)
	return c
}

func TestHugeDimension(t *testing.T) {
	c := craftHugeDim(t)
	f, err := Open(bytes.NewReader(c), int64(len(c)))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.Root().Dataset("implicit")
	if err == nil {
		err = fmt.Errorf("hdf5: read as shape %v", ds.Shape())
	}
	wantErr(t, err, "implicit", "dimension 1 is 8589934592, larger than 2^31-1")
}

// zeros is a ReaderAt of any size that reads as zero bytes.
type zeros struct{}

func (zeros) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	return len(p), nil
}

// TestReadPast32Bits: in a file over 2 GiB, a structure can claim more bytes
// than a 32-bit int counts; the 32-bit boards must refuse it by name, not
// hand it to make, which panics there. A 64-bit host would allocate the
// 2 GiB, so this runs on 32-bit ARM only (make test-arm: armv7 under qemu).
func TestReadPast32Bits(t *testing.T) {
	if strconv.IntSize != 32 {
		t.Skip("32-bit only (make test-arm runs it as armv7)")
	}
	f := &File{r: zeros{}, size: 3 << 30}
	if _, err := f.read(0, 1<<31+8, "a large chunk"); err != nil {
		wantErr(t, err, "a large chunk", "2147483656 bytes")
	} else {
		t.Error("a 2 GiB read succeeded on a 32-bit machine")
	}
	// What fits is read.
	if b, err := f.read(8, 16, "a small one"); err != nil || len(b) != 16 {
		t.Errorf("16 bytes: %d, %v", len(b), err)
	}
}
