package hdf5

import (
	"encoding/binary"
	"fmt"
)

// undef is the "undefined address" of the spec (all bits set, section II.A).
const undef = ^uint64(0)

// dec reads little-endian fields from a byte slice with a sticky error, so a
// parser can read a whole structure and check once. Reading past the end sets
// the error and returns zeros; nothing ever indexes out of range.
type dec struct {
	b    []byte
	off  int
	f    *File  // gives the sizes of offsets and lengths
	what string // names the structure in errors
	err  error
}

func (f *File) dec(b []byte, what string) *dec { return &dec{b: b, f: f, what: what} }

func (d *dec) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = fmt.Errorf("%s: truncated: need %d bytes at offset %d of %d", d.what, n, d.off, len(d.b))
		return false
	}
	return true
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%s: %s", d.what, fmt.Sprintf(format, args...))
	}
}

func (d *dec) left() int { return len(d.b) - d.off }

func (d *dec) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	d.off += n
	return d.b[d.off-n : d.off]
}

func (d *dec) skip(n int) { d.bytes(n) }

func (d *dec) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *dec) u16() uint16 {
	if b := d.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *dec) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// uint reads an n-byte unsigned integer, n from 1 to 8.
func (d *dec) uint(n int) uint64 {
	b := d.bytes(n)
	if b == nil {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads a file address ("Size of Offsets" bytes); an all-ones value is
// returned as undef whatever the width.
func (d *dec) addr() uint64 {
	n := d.f.offSize
	v := d.uint(n)
	if n < 8 && v == 1<<(8*n)-1 {
		return undef
	}
	return v
}

// length reads a "Size of Lengths" field.
func (d *dec) length() uint64 { return d.uint(d.f.lenSize) }

// signature checks a 4-byte magic such as "TREE".
func (d *dec) signature(want string) {
	if b := d.bytes(len(want)); b != nil && string(b) != want {
		d.fail("signature %q, want %q", b, want)
	}
}
