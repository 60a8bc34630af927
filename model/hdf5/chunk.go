package hdf5

import (
	"encoding/binary"
	"fmt"
)

// chunkRef is one stored chunk: where it starts in the dataset, where it is
// in the file, its stored size and the filters skipped for it.
type chunkRef struct {
	offset []uint64
	addr   uint64
	size   uint64
	mask   uint32
}

// readChunks assembles a chunked dataset of size bytes.
func (ds *Dataset) readChunks(size int64) ([]byte, error) {
	l, f, o := &ds.layout, ds.obj.f, ds.obj
	elem := ds.typ.Size
	n, err := count(l.chunk, elem, o.path+" chunk")
	if err != nil {
		return nil, err
	}
	chunkBytes := int(n) * elem
	out := make([]byte, size)
	if size == 0 || l.addr == undef {
		return out, nil // nothing written yet
	}
	// Chunks are disjoint, so their stored sizes add up to less than the
	// file, and each covers its own place: checking both bounds the work a
	// corrupt index can cause.
	seen := map[string]bool{}
	var stored uint64
	put := func(c chunkRef) error {
		if err := ds.checkOffset(c.offset); err != nil {
			return err
		}
		key := fmt.Sprint(c.offset)
		if seen[key] {
			return o.errorf("chunk offset %v appears twice in the index", c.offset)
		}
		seen[key] = true
		if stored += c.size; c.size > uint64(f.size) || stored > uint64(f.size) {
			return o.errorf("chunk at %#x: stored sizes add up to more than the file", c.addr)
		}
		raw, err := f.read(c.addr, c.size, o.path+": chunk")
		if err != nil {
			return err
		}
		if len(ds.pipe) > 0 {
			if raw, err = unfilter(ds.pipe, c.mask, raw, elem, chunkBytes); err != nil {
				return o.errorf("chunk at %#x: %v", c.addr, err)
			}
		}
		if len(raw) != chunkBytes {
			return o.errorf("chunk at %#x holds %d bytes, want %d", c.addr, len(raw), chunkBytes)
		}
		ds.place(out, raw, c.offset)
		return nil
	}
	rank := len(ds.dims)
	switch l.index {
	case 0:
		// Section III.A.1: a type 1 key is the chunk's stored size (4 bytes),
		// its filter mask (4) and its offset in each dimension plus a zero
		// for the element dimension (8 bytes each).
		t := &btreeV1{f: f, typ: 1, keySize: 8 + 8*(rank+1), what: o.path + ": chunk B-tree"}
		t.visit = func(child uint64, key []byte) error {
			c := chunkRef{addr: child, size: uint64(binary.LittleEndian.Uint32(key)), mask: binary.LittleEndian.Uint32(key[4:])}
			for i := range rank {
				c.offset = append(c.offset, binary.LittleEndian.Uint64(key[8+8*i:]))
			}
			return put(c)
		}
		return out, t.walk(l.addr, -1)
	case 1:
		c := chunkRef{offset: make([]uint64, rank), addr: l.addr, size: uint64(chunkBytes)}
		if l.filtered {
			c.size, c.mask = l.single.size, l.single.mask
		}
		return out, put(c)
	case 2:
		// Implicit index: every chunk stored unfiltered, in row-major order
		// of the chunk grid, from the index address on.
		grid := make([]uint64, rank)
		total := uint64(1)
		for i := range grid {
			grid[i] = (ds.dims[i] + l.chunk[i] - 1) / l.chunk[i]
			total *= grid[i]
		}
		if total*uint64(chunkBytes) > uint64(f.size) {
			return nil, o.errorf("implicit chunk index: %d chunks of %d bytes exceed the file", total, chunkBytes)
		}
		idx := make([]uint64, rank)
		for k := uint64(0); k < total; k++ {
			c := chunkRef{offset: make([]uint64, rank), addr: l.addr + k*uint64(chunkBytes), size: uint64(chunkBytes)}
			for i := range idx {
				c.offset[i] = idx[i] * l.chunk[i]
			}
			if err := put(c); err != nil {
				return nil, err
			}
			for i := rank - 1; i >= 0; i-- {
				if idx[i]++; idx[i] < grid[i] {
					break
				}
				idx[i] = 0
			}
		}
		return out, nil
	}
	return nil, o.errorf("chunk index type %d not supported", l.index)
}

// checkOffset refuses chunk offsets off the chunk grid or past the dataset.
func (ds *Dataset) checkOffset(off []uint64) error {
	for i, v := range off {
		if v >= ds.dims[i] || v%ds.layout.chunk[i] != 0 {
			return ds.obj.errorf("chunk offset %v is off the %v grid of shape %v", off, ds.layout.chunk, ds.dims)
		}
	}
	return nil
}

// place copies a decoded chunk into the dataset, clipping the parts of edge
// chunks that lie past the dataset's bounds.
func (ds *Dataset) place(out, chunk []byte, off []uint64) {
	rank, elem, c := len(ds.dims), uint64(ds.typ.Size), ds.layout.chunk
	// extent of the chunk inside the dataset, per dimension
	ext := make([]uint64, rank)
	for i := range ext {
		ext[i] = min(c[i], ds.dims[i]-off[i])
	}
	run := ext[rank-1] * elem
	idx := make([]uint64, rank) // position in the chunk; the last stays 0
	for {
		var src, dst uint64
		for i := range rank {
			src = src*c[i] + idx[i]
			dst = dst*ds.dims[i] + off[i] + idx[i]
		}
		copy(out[dst*elem:dst*elem+run], chunk[src*elem:src*elem+run])
		i := rank - 2
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < ext[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}
