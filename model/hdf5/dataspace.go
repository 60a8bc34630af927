package hdf5

import (
	"fmt"
	"math"
)

// parseDataspace reads a dataspace message (section IV.A.2.b): version 1
// (version, rank, flags, 5 reserved bytes) or version 2 (version, rank, flags,
// type: 0 scalar, 1 simple, 2 null), then the dimension sizes as lengths and,
// when flag bit 0 is set, the maximum sizes. A scalar has no dimensions; a
// null dataspace (no elements) is returned as null.
func (f *File) parseDataspace(b []byte, what string) (dims []uint64, null bool, err error) {
	d := f.dec(b, what+": dataspace")
	v, rank, flags := d.u8(), int(d.u8()), d.u8()
	switch v {
	case 1:
		d.skip(5)
	case 2:
		switch d.u8() {
		case 0:
			rank = 0
		case 1:
		case 2:
			return nil, true, d.err
		default:
			d.fail("unknown dataspace type")
		}
	default:
		d.fail("version %d not supported", v)
	}
	if flags&2 != 0 {
		d.fail("permutation indices not supported")
	}
	dims = make([]uint64, 0, rank)
	for range rank {
		// A dimension past 2^31-1 holds nothing when another is 0 (else the
		// shape's byte count refuses it), but Shape would wrap it in a
		// 32-bit board's int: refuse it here.
		if v := d.length(); v > math.MaxInt32 && d.err == nil {
			d.fail("dimension %d is %d, larger than 2^31-1", len(dims), v)
		} else {
			dims = append(dims, v)
		}
	}
	if d.err != nil {
		return nil, false, d.err
	}
	return dims, false, nil
}

// count multiplies dimensions and element size, refusing results above
// maxDataBytes (which also rules out overflow).
func count(dims []uint64, size int, what string) (n int64, err error) {
	n = 1
	for _, v := range dims {
		if v != 0 && uint64(n) > uint64(maxDataBytes)/v {
			return 0, fmt.Errorf("hdf5: %s: shape %v is too large (limit %d bytes)", what, dims, maxDataBytes)
		}
		n *= int64(v)
	}
	if n*int64(size) > maxDataBytes {
		return 0, fmt.Errorf("hdf5: %s: shape %v of %d-byte elements is too large (limit %d bytes)", what, dims, size, maxDataBytes)
	}
	return n, nil
}
