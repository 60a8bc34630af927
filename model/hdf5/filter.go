package hdf5

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// Filter identifiers (section IV.A.2.l, "Data Storage - Filter Pipeline
// Message"; H5Zpublic.h).
const (
	filterDeflate = 1
	filterShuffle = 2
)

var filterNames = map[uint16]string{1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scale-offset",
	32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32015: "zstd"}

type filter struct {
	id     uint16
	flags  uint16
	client []uint32
}

// parseFilters reads a filter pipeline message. Version 1: version, filter
// count, 6 reserved bytes; per filter its id, name length (already padded to
// 8), flags, client value count, name, client values and 4 bytes of padding
// after an odd count. Version 2 drops the reserved bytes and the padding, and
// ids below 256 have no name length or name.
func (o *object) parseFilters(m message) ([]filter, error) {
	d := o.f.dec(m.data, fmt.Sprintf("hdf5: %s: filter pipeline message at %#x", o.path, m.at))
	v, n := d.u8(), int(d.u8())
	switch v {
	case 1:
		d.skip(6)
	case 2:
	default:
		d.fail("version %d not supported", v)
	}
	var out []filter
	for range n {
		var f filter
		f.id = d.u16()
		nameLen := 0
		if v == 1 || f.id >= 256 {
			nameLen = int(d.u16())
		}
		f.flags = d.u16()
		cd := int(d.u16())
		d.skip(nameLen)
		if cd > d.left()/4 {
			d.fail("%d client values overrun the message", cd)
		}
		for range cd {
			f.client = append(f.client, d.u32())
		}
		if v == 1 && cd%2 == 1 {
			d.skip(4)
		}
		if d.err != nil {
			return nil, d.err
		}
		if f.id != filterDeflate && f.id != filterShuffle {
			name := filterNames[f.id]
			if name == "" {
				name = "unknown"
			}
			return nil, o.errorf("filter %d (%s) not supported (deflate and shuffle are)", f.id, name)
		}
		out = append(out, f)
	}
	return out, nil
}

// unfilter undoes the pipeline on one chunk, last filter first, skipping
// the filters whose bit is set in mask. limit bounds every stage's output.
func unfilter(pipe []filter, mask uint32, b []byte, elem int, limit int) ([]byte, error) {
	for i := len(pipe) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<i) != 0 {
			continue
		}
		switch f := pipe[i]; f.id {
		case filterDeflate:
			zr, err := zlib.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, fmt.Errorf("deflate: %w", err)
			}
			out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
			if err != nil {
				return nil, fmt.Errorf("deflate: %w", err)
			}
			if len(out) > limit {
				return nil, fmt.Errorf("deflate: chunk inflates past its %d bytes", limit)
			}
			b = out
		case filterShuffle:
			// Client value 0 is the element size; byte j of every element
			// was gathered into the j-th run (H5Zshuffle.c). Bytes past the
			// last whole element are left as they are.
			size := elem
			if len(f.client) > 0 {
				size = int(f.client[0])
			}
			if size < 1 {
				return nil, fmt.Errorf("shuffle: element size %d", size)
			}
			n := len(b) / size
			if n == 0 || size == 1 {
				continue // nothing was shuffled
			}
			out := make([]byte, len(b))
			for j := range size {
				run := b[j*n : (j+1)*n]
				for k, v := range run {
					out[k*size+j] = v
				}
			}
			copy(out[n*size:], b[n*size:])
			b = out
		}
	}
	return b, nil
}
