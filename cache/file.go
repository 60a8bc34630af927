package cache

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/edgecache/edgecache/cache/internal/atomicfile"
)

// The cache file (all integers little-endian):
//
//	magic    8 bytes "EDGECACH"
//	version  uint32 (fileVersion)
//	classes  uint32
//	count    uint64  items
//	dim      uint32  key length (must equal the spec's Dim)
//	theta    float32
//	lambda   float32
//	cacheOnlyTheta float32 (version 2 on)
//	ntaps    uint32
//	ntaps x { nameLen uint16, name, C uint32, H uint32, W uint32, pool uint8 }
//	proj     uint8   0: none, 1: projection follows
//	[rows uint32, cols uint32, hasMean uint8, W rows*cols uint16 (fp16, column-major
//	 as Projection.WT; versions 1 and 2: row-major, version 1 float32),
//	 mean cols float32 if hasMean]
//	keys     count*dim uint16 (fp16 bit patterns, item-major)
//	labels   count uint16
//	weighted uint8   0: every item counts once, 1: weights follow (version 2 on)
//	[weights count uint16, each 1 to MaxWeight]
//	crc      uint32 CRC-32C (Castagnoli) of every byte before it
//
// Version 1 files (no CacheOnly theta, a float32 projection) still read: the
// CacheOnly theta is then the mixture's theta and the projection is rounded
// to fp16. Version 2 files (a row-major projection) read too; their matrix is
// transposed on reading. Read consumes exactly these bytes, so a cache can
// sit inside a larger stream.
const (
	fileMagic   = "EDGECACH"
	fileVersion = 3
	maxItems    = 1 << 32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrChecksum reports a file whose bytes do not match its checksum.
var ErrChecksum = errors.New("cache: checksum mismatch (file corrupt)")

// Write stores the cache in the file format above.
func (c *Cache) Write(w io.Writer) error {
	h := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<16)
	var b []byte
	b = append(b, fileMagic...)
	b = binary.LittleEndian.AppendUint32(b, fileVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(c.classes))
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Len()))
	b = binary.LittleEndian.AppendUint32(b, uint32(c.dim))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(c.Theta))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(c.Lambda))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(c.CacheOnlyTheta))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.spec.Taps)))
	for _, t := range c.spec.Taps {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(t.Name)))
		b = append(b, t.Name...)
		b = binary.LittleEndian.AppendUint32(b, uint32(t.C))
		b = binary.LittleEndian.AppendUint32(b, uint32(t.H))
		b = binary.LittleEndian.AppendUint32(b, uint32(t.W))
		b = append(b, byte(t.Pool))
	}
	if p := c.spec.Proj; p == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Rows))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Cols))
		if p.Mean != nil {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		for _, v := range p.WT {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		for _, v := range p.Mean {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("cache: write: %w", err)
	}
	if err := writeUint16s(bw, b, c.keys); err != nil {
		return err
	}
	if err := writeUint16s(bw, b, c.labels); err != nil {
		return err
	}
	weighted := byte(0)
	if c.weights != nil {
		weighted = 1
	}
	if err := bw.WriteByte(weighted); err != nil {
		return fmt.Errorf("cache: write: %w", err)
	}
	if err := writeUint16s(bw, b, c.weights); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cache: write: %w", err)
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, h.Sum32())); err != nil {
		return fmt.Errorf("cache: write: %w", err)
	}
	return nil
}

// writeUint16s writes a little-endian, in chunks through buf.
func writeUint16s(w io.Writer, buf []byte, a []uint16) error {
	for len(a) > 0 {
		n := min(len(a), 1<<15)
		buf = buf[:0]
		for _, v := range a[:n] {
			buf = binary.LittleEndian.AppendUint16(buf, v)
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("cache: write: %w", err)
		}
		a = a[n:]
	}
	return nil
}

// WriteFile writes the cache to path through a temporary file renamed into
// place, so a crash never leaves half a cache under the name; the file is
// readable by all (atomicfile.Write).
func (c *Cache) WriteFile(path string) error {
	var werr error // Write's errors name the cache already
	err := atomicfile.Write(path, func(w io.Writer) error { werr = c.Write(w); return werr })
	if err != nil && err != werr {
		return fmt.Errorf("cache: %w", err)
	}
	return err
}

// ReadFile reads a cache file.
func ReadFile(path string) (*Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	c, err := Read(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return c, nil
}

// reader reads the file's fields, hashing everything, and remembers the
// first error with the field it happened in.
type reader struct {
	r   io.Reader
	h   hash.Hash32
	err error
	buf [8]byte
}

func (r *reader) read(field string, p []byte) bool {
	if r.err != nil {
		return false
	}
	if _, err := io.ReadFull(r.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			r.err = fmt.Errorf("cache: file truncated in %s", field)
		} else {
			r.err = fmt.Errorf("cache: read %s: %w", field, err)
		}
		return false
	}
	r.h.Write(p)
	return true
}

func (r *reader) u8(field string) uint8 {
	r.read(field, r.buf[:1])
	return r.buf[0]
}

func (r *reader) u16(field string) uint16 {
	r.read(field, r.buf[:2])
	return binary.LittleEndian.Uint16(r.buf[:2])
}

func (r *reader) u32(field string) uint32 {
	r.read(field, r.buf[:4])
	return binary.LittleEndian.Uint32(r.buf[:4])
}

func (r *reader) u64(field string) uint64 {
	r.read(field, r.buf[:8])
	return binary.LittleEndian.Uint64(r.buf[:8])
}

// dim32 reads a size field that must fit in maxTapLen.
func (r *reader) dim32(field string) int {
	v := r.u32(field)
	if r.err == nil && v > maxTapLen {
		r.err = fmt.Errorf("cache: %s is %d (at most %d)", field, v, maxTapLen)
	}
	return int(v)
}

// floats reads n float32 values, allocating as the data arrives so a corrupt
// length runs into the end of the file, not out of memory.
func (r *reader) floats(field string, n int) []float32 {
	var out []float32
	var chunk [4096]byte
	for len(out) < n && r.err == nil {
		k := min(n-len(out), len(chunk)/4)
		if !r.read(field, chunk[:4*k]) {
			break
		}
		for i := 0; i < k; i++ {
			out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(chunk[4*i:])))
		}
	}
	return out
}

func (r *reader) uint16s(field string, n uint64) []uint16 {
	var out []uint16
	// A reader that knows what is left (bytes.Reader: a bundle's section)
	// bounds n by it, so the values get their memory once, not by
	// doubling (a bundle read allocated 5.9x its size before).
	if l, ok := r.r.(interface{ Len() int }); ok {
		out = make([]uint16, 0, min(n, uint64(l.Len())/2))
	}
	var chunk [1 << 16]byte
	for uint64(len(out)) < n && r.err == nil {
		k := int(min(n-uint64(len(out)), uint64(len(chunk)/2)))
		if !r.read(field, chunk[:2*k]) {
			break
		}
		for i := 0; i < k; i++ {
			out = append(out, binary.LittleEndian.Uint16(chunk[2*i:]))
		}
	}
	return out
}

// Read reads one cache in the file format, checking its checksum, its spec,
// and every label and key value.
func Read(in io.Reader) (*Cache, error) {
	r := &reader{r: in, h: crc32.New(castagnoli)}
	var magic [8]byte
	if r.read("magic", magic[:]) && string(magic[:]) != fileMagic {
		return nil, fmt.Errorf("cache: not a cache file (magic %q, want %q)", magic[:], fileMagic)
	}
	version := r.u32("version")
	if r.err == nil && (version < 1 || version > fileVersion) {
		return nil, fmt.Errorf("cache: file version %d, this program reads 1 to %d", version, fileVersion)
	}
	classes := int(r.u32("class count"))
	count := r.u64("item count")
	dim := r.dim32("key length")
	theta := math.Float32frombits(r.u32("theta"))
	lambda := math.Float32frombits(r.u32("lambda"))
	cacheOnlyTheta := theta
	if version >= 2 {
		cacheOnlyTheta = math.Float32frombits(r.u32("CacheOnly theta"))
	}
	ntaps := r.u32("tap count")
	if r.err != nil {
		return nil, r.err
	}
	if ntaps == 0 || ntaps > maxTaps {
		return nil, fmt.Errorf("cache: %d taps in the key spec (1 to %d)", ntaps, maxTaps)
	}
	var spec Spec
	for i := 0; i < int(ntaps) && r.err == nil; i++ {
		field := fmt.Sprintf("tap %d", i)
		nl := int(r.u16(field + " name length"))
		if r.err == nil && (nl == 0 || nl > maxNameLen) {
			return nil, fmt.Errorf("cache: %s has a name of %d bytes (1 to %d)", field, nl, maxNameLen)
		}
		name := make([]byte, nl)
		r.read(field+" name", name)
		t := TapSpec{Name: string(name)}
		t.C = r.dim32(field + " channels")
		t.H = r.dim32(field + " height")
		t.W = r.dim32(field + " width")
		t.Pool = Pool(r.u8(field + " pool"))
		spec.Taps = append(spec.Taps, t)
	}
	switch hasProj := r.u8("projection flag"); {
	case r.err != nil:
	case hasProj > 1:
		return nil, fmt.Errorf("cache: projection flag %d (want 0 or 1)", hasProj)
	case hasProj == 1:
		p := &Projection{Rows: r.dim32("projection rows"), Cols: r.dim32("projection columns")}
		hasMean := r.u8("projection mean flag")
		if r.err != nil {
			break
		}
		if hasMean > 1 {
			return nil, fmt.Errorf("cache: projection mean flag %d (want 0 or 1)", hasMean)
		}
		if p.Rows < 1 || p.Rows > p.Cols || uint64(p.Rows)*uint64(p.Cols) > maxTapLen*64 {
			return nil, fmt.Errorf("cache: projection of %dx%d", p.Rows, p.Cols)
		}
		if version == 1 {
			w := r.floats("projection matrix", p.Rows*p.Cols)
			if r.err != nil {
				break
			}
			v1, err := NewProjection(p.Rows, p.Cols, w, nil) // rounds to fp16, refusing what it cannot hold
			if err != nil {
				return nil, err
			}
			p.WT = v1.WT
		} else {
			p.WT = r.uint16s("projection matrix", uint64(p.Rows*p.Cols))
			if version == 2 && r.err == nil {
				p.WT = transpose(p.WT, p.Rows, p.Cols)
			}
		}
		if hasMean == 1 {
			p.Mean = r.floats("projection mean", p.Cols)
		}
		spec.Proj = p
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if dim != spec.Dim() {
		return nil, fmt.Errorf("cache: keys of %d values for a spec making %d", dim, spec.Dim())
	}
	if classes < 1 || classes > MaxClasses {
		return nil, fmt.Errorf("cache: %d classes (1 to %d)", classes, MaxClasses)
	}
	if count > maxItems {
		return nil, fmt.Errorf("cache: %d items (at most %d)", count, uint64(maxItems))
	}
	keys := r.uint16s("keys", count*uint64(dim))
	labels := r.uint16s("labels", count)
	var weights []uint16
	if version >= 2 {
		switch w := r.u8("weighted flag"); {
		case r.err != nil:
		case w > 1:
			return nil, fmt.Errorf("cache: weighted flag %d (want 0 or 1)", w)
		case w == 1:
			weights = r.uint16s("weights", count)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	sum := r.h.Sum32()
	if r.read("checksum", r.buf[:4]); r.err != nil {
		return nil, r.err
	}
	if got := binary.LittleEndian.Uint32(r.buf[:4]); got != sum {
		return nil, fmt.Errorf("%w: stored %#08x, computed %#08x", ErrChecksum, got, sum)
	}
	// The checksum only proves the bytes are what the writer wrote; a cache
	// written by a faulty program is refused here.
	if !finite(theta) || theta < 0 {
		return nil, fmt.Errorf("cache: theta %v in file", theta)
	}
	if !finite(cacheOnlyTheta) || cacheOnlyTheta < 0 {
		return nil, fmt.Errorf("cache: CacheOnly theta %v in file", cacheOnlyTheta)
	}
	if !(lambda >= 0 && lambda <= 1) {
		return nil, fmt.Errorf("cache: lambda %v in file", lambda)
	}
	for i, y := range labels {
		if int(y) >= classes {
			return nil, fmt.Errorf("cache: item %d has label %d of %d classes", i, y, classes)
		}
	}
	for i, w := range weights {
		if w == 0 {
			return nil, fmt.Errorf("cache: item %d has weight 0", i)
		}
	}
	for i, h := range keys {
		if h&0x7c00 == 0x7c00 { // exponent all ones: Inf or NaN (IEEE 754 binary16)
			return nil, fmt.Errorf("cache: item %d key value %d is not finite", i/dim, i%dim)
		}
	}
	return &Cache{spec: spec, dim: dim, classes: classes, keys: keys, labels: labels, weights: weights,
		Theta: theta, Lambda: lambda, CacheOnlyTheta: cacheOnlyTheta}, nil
}

// transpose returns the cols x rows transpose of a rows x cols matrix.
func transpose(w []uint16, rows, cols int) []uint16 {
	t := make([]uint16, len(w))
	for r := 0; r < rows; r++ {
		for c, v := range w[r*cols : (r+1)*cols] {
			t[c*rows+r] = v
		}
	}
	return t
}
