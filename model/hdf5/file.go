package hdf5

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
)

// File is an open HDF5 file. It reads through the io.ReaderAt it was given and
// does not close it. A File is not safe for concurrent use.
type File struct {
	r          io.ReaderAt
	size       int64
	base       uint64 // base address: file addresses are relative to it
	offSize    int    // "Size of Offsets" in bytes
	lenSize    int    // "Size of Lengths" in bytes
	superblock int    // superblock version
	root       *Group

	heaps map[uint64]map[uint16][]byte // global heap collections by address
}

// magic is the format signature (section II.A "Format Signature and Superblock").
var magic = []byte("\x89HDF\r\n\x1a\n")

// maxDataBytes caps what one dataset or attribute may decode to, so a corrupt
// size field cannot make the reader allocate without bound. Tests lower it.
var maxDataBytes int64 = 1 << 30

// Open reads the superblock and the root group of the HDF5 file in r, which
// holds size bytes. The signature must be at offset 0 (files with a user block
// are not supported).
func Open(r io.ReaderAt, size int64) (*File, error) {
	f := &File{r: r, size: size, heaps: map[uint64]map[uint16][]byte{}}
	head := make([]byte, min(size, 128))
	if m, err := r.ReadAt(head, 0); m < len(head) {
		return nil, fmt.Errorf("hdf5: read superblock: %w", err)
	}
	if !bytes.HasPrefix(head, magic) {
		return nil, fmt.Errorf("hdf5: not an HDF5 file (no signature at offset 0)")
	}
	if len(head) < 9 {
		return nil, fmt.Errorf("hdf5: truncated superblock (%d bytes)", len(head))
	}
	f.superblock = int(head[8])
	var rootAddr uint64
	var err error
	switch f.superblock {
	case 0, 1:
		rootAddr, err = f.superblockV0(head)
	case 2, 3:
		rootAddr, err = f.superblockV2(head)
	default:
		return nil, fmt.Errorf("hdf5: superblock version %d not supported (0 to 3 are)", f.superblock)
	}
	if err != nil {
		return nil, err
	}
	obj, err := f.object(rootAddr, "/")
	if err != nil {
		return nil, err
	}
	if f.root, err = obj.group(); err != nil {
		return nil, err
	}
	return f, nil
}

// superblockV0 parses superblock versions 0 and 1 (section II.A, "Version 0
// and 1 superblock layout") and returns the root group's object header
// address, from the root group symbol table entry.
func (f *File) superblockV0(head []byte) (uint64, error) {
	d := &dec{b: head, f: f, what: "hdf5: superblock"}
	d.skip(9)
	if v := d.u8(); v != 0 && d.err == nil {
		d.fail("free-space storage version %d, want 0", v)
	}
	if v := d.u8(); v != 0 && d.err == nil {
		d.fail("root group symbol table entry version %d, want 0", v)
	}
	d.skip(1)
	if v := d.u8(); v != 0 && d.err == nil {
		d.fail("shared header message format version %d, want 0", v)
	}
	f.offSize, f.lenSize = int(d.u8()), int(d.u8())
	if err := f.checkSizes(); err != nil {
		return 0, err
	}
	d.skip(1 + 2 + 2 + 4) // reserved, group leaf and internal node K, consistency flags
	if f.superblock == 1 {
		d.skip(4) // indexed storage internal node K, reserved
	}
	f.base = d.addr()
	d.addr() // free-space info
	eof := d.addr()
	d.addr() // driver information block
	// Root group symbol table entry (section III.C): link name offset, then
	// the object header address.
	d.addr()
	root := d.addr()
	if d.err != nil {
		return 0, d.err
	}
	return root, f.checkEnd(eof)
}

// superblockV2 parses superblock versions 2 and 3 (section II.A, "Version 2
// and 3 superblock layout"), which end in a lookup3 checksum.
func (f *File) superblockV2(head []byte) (uint64, error) {
	d := &dec{b: head, f: f, what: "hdf5: superblock"}
	d.skip(9)
	f.offSize, f.lenSize = int(d.u8()), int(d.u8())
	if err := f.checkSizes(); err != nil {
		return 0, err
	}
	d.skip(1) // consistency flags
	f.base = d.addr()
	d.addr() // superblock extension: holds nothing this reader needs
	eof := d.addr()
	root := d.addr()
	end := d.off
	d.skip(4)
	if d.err != nil {
		return 0, d.err
	}
	if !checkSum(head[:end+4]) {
		return 0, fmt.Errorf("hdf5: superblock checksum mismatch (corrupt file)")
	}
	return root, f.checkEnd(eof)
}

func (f *File) checkSizes() error {
	for _, s := range []int{f.offSize, f.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return fmt.Errorf("hdf5: superblock: sizes of offsets and lengths %d and %d, supported are 2, 4 and 8", f.offSize, f.lenSize)
		}
	}
	return nil
}

// checkEnd checks the base address and the end-of-file address against the
// file's size: a file shorter than its superblock says was truncated.
func (f *File) checkEnd(eof uint64) error {
	if f.base == undef || f.base > uint64(f.size) {
		return fmt.Errorf("hdf5: superblock: base address %#x outside the file (%d bytes)", f.base, f.size)
	}
	if eof == undef || eof > uint64(f.size)-f.base {
		return fmt.Errorf("hdf5: file is %d bytes, its superblock says %d: truncated", f.size, f.base+eof)
	}
	return nil
}

// Root is the root group.
func (f *File) Root() *Group { return f.root }

// SuperblockVersion is the version of the file's superblock, 0 to 3.
func (f *File) SuperblockVersion() int { return f.superblock }

// read returns n bytes at file address addr, checking that they lie in the file.
func (f *File) read(addr, n uint64, what string) ([]byte, error) {
	if addr == undef {
		return nil, fmt.Errorf("hdf5: %s: undefined address", what)
	}
	at := f.base + addr
	if at < f.base || n > uint64(f.size) || at > uint64(f.size)-n {
		return nil, fmt.Errorf("hdf5: %s: %d bytes at %#x lie outside the file (%d bytes)", what, n, addr, f.size)
	}
	// Only a file over 2 GiB gets here with this, and only on the 32-bit
	// boards, where make would panic.
	if n > math.MaxInt {
		return nil, fmt.Errorf("hdf5: %s: %d bytes at %#x, more than this machine's %d-bit int counts", what, n, addr, strconv.IntSize)
	}
	b := make([]byte, n)
	// io.ReaderAt may report io.EOF together with a complete read.
	if m, err := f.r.ReadAt(b, int64(at)); m < len(b) {
		return nil, fmt.Errorf("hdf5: %s: read %d bytes at %#x: %w", what, n, addr, err)
	}
	return b, nil
}

// readUpTo returns up to n bytes at addr, fewer where the file ends, for
// structures whose length is only known once their header is parsed.
func (f *File) readUpTo(addr, n uint64, what string) ([]byte, error) {
	if addr != undef && f.base+addr < uint64(f.size) {
		n = min(n, uint64(f.size)-(f.base+addr))
	}
	return f.read(addr, n, what)
}
