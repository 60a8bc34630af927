package hdf5

import (
	"fmt"
)

// Dataset is an HDF5 dataset: a typed n-dimensional array with attributes.
type Dataset struct {
	obj    *object
	typ    Datatype
	dims   []uint64
	null   bool
	layout layout
	pipe   []filter
	attrs  attrSet
}

// Storage layouts (section IV.A.2.i, "Data Layout Message").
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
)

type layout struct {
	class   int
	addr    uint64 // contiguous data, chunk B-tree, or single chunk
	size    uint64 // contiguous size
	compact []byte
	chunk   []uint64 // chunk dimensions, element size excluded
	index   int      // chunk index type: 0 v1 B-tree, 1 single chunk, 2 implicit
	single  struct {
		size uint64 // filtered size of a single chunk
		mask uint32
	}
	filtered bool
}

func (o *object) dataset() (*Dataset, error) {
	ds := &Dataset{obj: o}
	tm, sm, lm := o.find(msgDatatype), o.find(msgDataspace), o.find(msgLayout)
	if lm == nil || tm == nil || sm == nil {
		if o.find(msgSymbolTable) != nil || o.find(msgLink) != nil || o.find(msgLinkInfo) != nil {
			return nil, o.errorf("is a group, not a dataset")
		}
		return nil, o.errorf("is not a dataset (needs datatype, dataspace and data layout messages)")
	}
	var err error
	if ds.typ, err = o.f.parseDatatype(tm.data, "hdf5: "+o.path); err != nil {
		return nil, err
	}
	if ds.dims, ds.null, err = o.f.parseDataspace(sm.data, "hdf5: "+o.path); err != nil {
		return nil, err
	}
	if fm := o.find(msgFilters); fm != nil {
		if ds.pipe, err = o.parseFilters(*fm); err != nil {
			return nil, err
		}
	}
	if ds.layout, err = o.parseLayout(*lm, len(ds.dims), ds.typ.Size); err != nil {
		return nil, err
	}
	if ds.attrs, err = o.attributes(); err != nil {
		return nil, err
	}
	return ds, nil
}

// parseLayout reads a data layout message of version 3 or 4 (section
// IV.A.2.i). Version 3: version, class, then for compact the size (2 bytes)
// and the data; for contiguous the address and size; for chunked the
// dimensionality (rank + 1), the v1 B-tree address and the chunk dimensions
// in 4 bytes each, the last being the element size. Version 4 changes the
// chunked form: flags, dimensionality, the byte width of the dimensions, the
// dimensions, the chunk index type and its fields, then the index address.
func (o *object) parseLayout(m message, rank, elem int) (layout, error) {
	d := o.f.dec(m.data, fmt.Sprintf("hdf5: %s: data layout message at %#x", o.path, m.at))
	var l layout
	v := d.u8()
	if v != 3 && v != 4 {
		return l, o.errorf("data layout message version %d not supported (3 and 4 are)", v)
	}
	l.class = int(d.u8())
	switch l.class {
	case layoutCompact:
		l.compact = d.bytes(int(d.u16()))
	case layoutContiguous:
		l.addr, l.size = d.addr(), d.length()
	case layoutChunked:
		var width int
		var flags uint8
		if v == 3 {
			width = 4
		} else {
			flags = d.u8()
		}
		n := int(d.u8())
		if v == 3 {
			l.addr = d.addr()
		} else {
			width = int(d.u8())
			if width < 1 || width > 8 {
				d.fail("dimension size width %d", width)
			}
		}
		if d.err == nil && n != rank+1 {
			d.fail("chunk dimensionality %d for a dataset of rank %d", n, rank)
		}
		// Chunks tile the dimensions; a scalar (or null) dataspace has none,
		// so a chunk dimensionality of 1 describes nothing to tile.
		if d.err == nil && rank == 0 {
			d.fail("chunked layout for a dataspace of rank 0 (scalar or null): chunks need at least one dimension")
		}
		for i := 0; i < n && d.err == nil; i++ {
			c := d.uint(width)
			if c == 0 {
				d.fail("chunk dimension %d is 0", i)
			}
			if i < rank {
				l.chunk = append(l.chunk, c)
			} else if c != uint64(elem) {
				d.fail("chunk element size %d, datatype has %d", c, elem)
			}
		}
		if v == 4 {
			l.filtered = flags&2 != 0
			switch l.index = int(d.u8()); l.index {
			case 1: // single chunk: filtered size and mask when filtered
				if l.filtered {
					l.single.size, l.single.mask = d.length(), d.u32()
				}
			case 2: // implicit: chunks stored in order, unfiltered
			default:
				names := map[int]string{3: "fixed array", 4: "extensible array", 5: "version 2 B-tree"}
				if d.err == nil {
					return l, o.errorf("chunk index type %d (%s) not supported (v1 B-tree, single chunk and implicit are)", l.index, names[l.index])
				}
			}
			l.addr = d.addr()
		}
	default:
		if d.err == nil {
			return l, o.errorf("layout class %d (virtual) not supported", l.class)
		}
	}
	return l, d.err
}

// Path is the dataset's path from the root.
func (ds *Dataset) Path() string { return ds.obj.path }

// Shape is the dataset's dimensions; empty for a scalar.
func (ds *Dataset) Shape() []int { return ints(ds.dims) }

// Type is the element type.
func (ds *Dataset) Type() Datatype { return ds.typ }

// Attr returns the named attribute.
func (ds *Dataset) Attr(name string) (*Attr, error) { return ds.attrs.get(ds.obj, name) }

// Attrs lists the dataset's attributes.
func (ds *Dataset) Attrs() ([]*Attr, error) { return ds.attrs.list(ds.obj) }

// Float32s reads a numeric dataset as float32 in row-major order: floats of
// 16, 32 or 64 bits and integers, either byte order.
func (ds *Dataset) Float32s() ([]float32, error) {
	raw, err := ds.Raw()
	if err != nil {
		return nil, err
	}
	return ds.typ.float32s(raw, ds.obj.path)
}

// Strings reads a string dataset, one Go string per element.
func (ds *Dataset) Strings() ([]string, error) {
	raw, err := ds.Raw()
	if err != nil {
		return nil, err
	}
	return ds.obj.f.strings(ds.typ, raw, ds.obj.path)
}

// Raw returns the dataset's elements as stored (file byte order), filters
// undone, in row-major order. Unwritten storage reads as zeros.
func (ds *Dataset) Raw() ([]byte, error) {
	n, err := count(ds.dims, ds.typ.Size, ds.obj.path)
	if err != nil {
		return nil, err
	}
	if ds.null {
		n = 0
	}
	size := n * int64(ds.typ.Size)
	// Deflate expands at most about 1032 times (zlib's technical notes), so
	// no stored dataset exceeds that multiple of the file: a larger shape is
	// corrupt, and refusing it keeps a small file from costing gigabytes.
	if limit := 1032*ds.obj.f.size + 1<<16; size > limit {
		return nil, ds.obj.errorf("shape %v needs %d bytes, more than a %d-byte file can hold", ds.dims, size, ds.obj.f.size)
	}
	l := &ds.layout
	switch l.class {
	case layoutCompact:
		if int64(len(l.compact)) != size {
			return nil, ds.obj.errorf("compact data holds %d bytes, shape %v needs %d", len(l.compact), ds.dims, size)
		}
		return append([]byte(nil), l.compact...), nil
	case layoutContiguous:
		if l.addr == undef {
			return make([]byte, size), nil
		}
		if l.size < uint64(size) {
			return nil, ds.obj.errorf("contiguous storage of %d bytes, shape %v needs %d", l.size, ds.dims, size)
		}
		return ds.obj.f.read(l.addr, uint64(size), ds.obj.path+": data")
	}
	return ds.readChunks(size)
}
