package hdf5

import "fmt"

// globalObject returns object idx of the global heap collection at addr
// (section III.E, "Global Heap"): "GCOL", version 1, reserved, the
// collection size, then objects of index, reference count, reserved, size and
// data padded to 8 bytes; index 0 is the free space that ends the list.
// Collections are parsed once and kept.
func (f *File) globalObject(addr uint64, idx uint32, what string) ([]byte, error) {
	objs, ok := f.heaps[addr]
	if !ok {
		where := fmt.Sprintf("%s: global heap at %#x", what, addr)
		head, err := f.read(addr, uint64(8+f.lenSize), where)
		if err != nil {
			return nil, err
		}
		d := f.dec(head, "hdf5: "+where)
		d.signature("GCOL")
		if v := d.u8(); v != 1 {
			d.fail("version %d, want 1", v)
		}
		d.skip(3)
		size := d.length()
		if d.err != nil {
			return nil, d.err
		}
		if size < uint64(len(head)) {
			return nil, fmt.Errorf("hdf5: %s: collection size %d", where, size)
		}
		body, err := f.read(addr+uint64(len(head)), size-uint64(len(head)), where)
		if err != nil {
			return nil, err
		}
		objs = map[uint16][]byte{}
		d = f.dec(body, "hdf5: "+where)
		for d.left() >= 8+f.lenSize {
			i := d.u16()
			d.skip(6) // reference count, reserved
			n := d.length()
			if i == 0 {
				break
			}
			if n > uint64(d.left()) {
				return nil, fmt.Errorf("hdf5: %s: object %d of %d bytes overruns the collection", where, i, n)
			}
			objs[i] = d.bytes(int(n))
			d.skip(min(int(-n&7), d.left()))
		}
		if d.err != nil {
			return nil, d.err
		}
		f.heaps[addr] = objs
	}
	if idx > 0xffff {
		return nil, fmt.Errorf("hdf5: %s: global heap object index %d", what, idx)
	}
	obj, ok := objs[uint16(idx)]
	if !ok {
		return nil, fmt.Errorf("hdf5: %s: global heap at %#x has no object %d", what, addr, idx)
	}
	return obj, nil
}
