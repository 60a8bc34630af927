// Package bundle is the one file a board needs: the int8 network, the cache
// memory with its tuned theta and lambda, the class names and the settings
// that turn a camera frame into the network's input, in a versioned,
// checksummed container. The host tool writes it (edgecache bundle), the
// board program reads it (firmware -bundle).
//
// The file (all integers little-endian):
//
//	magic     8 bytes "EDGEBNDL"
//	version   uint32 (FormatVersion)
//	count     uint32 number of sections (1 to maxSections)
//	count x { tag [4]byte, offset uint64, length uint64, crc uint32 CRC-32C of the section }
//	crc       uint32 CRC-32C of every byte before it (the header)
//	sections  at their offsets, in table order, back to back, nothing after the last
//
// Sections: "META" (JSON, Meta), "QNET" (the int8 model in quant's file
// format), "CACH" (the cache in cache's file format; absent when the network
// decides alone). Each section is the byte-for-byte file its owner writes, so
// `edgecache bundle -extract` style tooling and the owners' own readers and
// checks apply unchanged. A reader takes unknown tags as an error: a bundle
// from a newer tool is refused by name, not half-read.
//
// The bundle's identity (ID) is the SHA-256 of the whole file: a teach log
// written next to a bundle records it, so examples taught under one bundle are
// never mixed into another.
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/atomicfile"
	"github.com/edgecache/edgecache/quant"
)

// FormatVersion is the version Write produces and the newest Read accepts.
const FormatVersion = 1

const (
	magic       = "EDGEBNDL"
	maxSections = 16
	entrySize   = 4 + 8 + 8 + 4
	// maxMeta bounds the JSON section: class names and settings are a few KiB.
	maxMeta = 1 << 20
)

// Section tags.
const (
	tagMeta  = "META"
	tagModel = "QNET"
	tagCache = "CACH"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrNotBundle reports a file that does not start with the bundle magic
// (e.g. a bare .eq8 model or .cache file given where a bundle was expected).
var ErrNotBundle = errors.New("bundle: not a bundle file (bad magic)")

// ErrChecksum reports a bundle whose bytes do not match a checksum.
var ErrChecksum = errors.New("bundle: checksum mismatch (file corrupt)")

// Bundle is a deployable classifier.
type Bundle struct {
	Meta  Meta
	Model *quant.Model
	Cache *cache.Cache // nil: the network alone decides

	// ID is the SHA-256 of the file the bundle was read from (zero for a
	// bundle built in memory and not yet written).
	ID [32]byte
	// Sections lists the file's sections as read (tag and length), for -info.
	Sections []SectionInfo
}

// SectionInfo describes one section of a file.
type SectionInfo struct {
	Tag    string
	Offset uint64
	Length uint64
}

// Check tells whether the parts fit each other: the cache's classes and taps
// are the network's, the mixture is tuned, the class names and the
// preprocessing are valid. Write and Read both call it, so a bundle that
// passes cannot fail on the board for a reason known at build time.
func (b *Bundle) Check() error {
	if b.Model == nil {
		return errors.New("bundle: no model")
	}
	m := b.Model
	if len(b.Meta.Classes) != m.Classes {
		return fmt.Errorf("bundle: %d class names for a network of %d classes", len(b.Meta.Classes), m.Classes)
	}
	if err := b.Meta.Preprocess.Validate(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if t := b.Meta.Teach; t != nil {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("bundle: teach settings: %w", err)
		}
	}
	if c := b.Cache; c != nil {
		if err := c.Fits(m.Classes, TapShape(m)); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if !(c.Theta > 0) || !(c.Lambda >= 0 && c.Lambda <= 1) {
			return fmt.Errorf("bundle: the cache has no tuned theta/lambda (theta %v, lambda %v): run edgecache cache tune", c.Theta, c.Lambda)
		}
		if c.Len() == 0 {
			return errors.New("bundle: the cache is empty")
		}
	}
	return nil
}

// TapShape describes m's taps to cache.Cache.Fits.
func TapShape(m *quant.Model) cache.TapShape {
	return func(name string) (c, h, w int, err error) {
		info, err := m.Tap(name)
		return info.C, info.H, info.W, err
	}
}

// Write stores b in the format above and returns the file's ID.
func (b *Bundle) Write(w io.Writer) ([32]byte, error) {
	if err := b.Check(); err != nil {
		return [32]byte{}, err
	}
	meta, err := json.MarshalIndent(b.Meta, "", "  ")
	if err != nil {
		return [32]byte{}, fmt.Errorf("bundle: meta: %w", err)
	}
	var qnet bytes.Buffer
	if _, err := b.Model.WriteTo(&qnet); err != nil {
		return [32]byte{}, fmt.Errorf("bundle: model: %w", err)
	}
	secs := []struct {
		tag  string
		data []byte
	}{{tagMeta, meta}, {tagModel, qnet.Bytes()}}
	if b.Cache != nil {
		var cb bytes.Buffer
		if err := b.Cache.Write(&cb); err != nil {
			return [32]byte{}, fmt.Errorf("bundle: cache: %w", err)
		}
		secs = append(secs, struct {
			tag  string
			data []byte
		}{tagCache, cb.Bytes()})
	}
	hdr := make([]byte, 0, 16+len(secs)*entrySize+4)
	hdr = append(hdr, magic...)
	hdr = binary.LittleEndian.AppendUint32(hdr, FormatVersion)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(secs)))
	off := uint64(16 + len(secs)*entrySize + 4)
	for _, s := range secs {
		hdr = append(hdr, s.tag...)
		hdr = binary.LittleEndian.AppendUint64(hdr, off)
		hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(s.data)))
		hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(s.data, castagnoli))
		off += uint64(len(s.data))
	}
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))
	h := sha256.New()
	out := io.MultiWriter(w, h)
	if _, err := out.Write(hdr); err != nil {
		return [32]byte{}, err
	}
	for _, s := range secs {
		if _, err := out.Write(s.data); err != nil {
			return [32]byte{}, err
		}
	}
	var id [32]byte
	h.Sum(id[:0])
	return id, nil
}

// WriteFile writes b to path atomically (atomicfile.Write: a temporary
// file in the same folder, synced, then renamed over path, readable by all),
// so a board never sees half a bundle. It sets b.ID.
func (b *Bundle) WriteFile(path string) error {
	var id [32]byte
	err := atomicfile.Write(path, func(w io.Writer) (err error) {
		id, err = b.Write(w)
		return err
	})
	if err != nil {
		return err
	}
	b.ID = id
	return nil
}

// ReadFile reads a bundle from path.
func ReadFile(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// Read parses a whole bundle file held in data. Each section is parsed in
// place from data by its owner's reader (no intermediate copy); the checksums
// are verified before anything is decoded.
func Read(data []byte) (*Bundle, error) {
	secs, err := sections(data)
	if err != nil {
		return nil, err
	}
	b := &Bundle{ID: sha256.Sum256(data)}
	seen := map[string]bool{}
	for _, s := range secs {
		if seen[s.tag] {
			return nil, fmt.Errorf("bundle: section %s appears twice", s.tag)
		}
		seen[s.tag] = true
		b.Sections = append(b.Sections, SectionInfo{Tag: s.tag, Offset: s.off, Length: uint64(len(s.data))})
		switch s.tag {
		case tagMeta:
			if len(s.data) > maxMeta {
				return nil, fmt.Errorf("bundle: META section of %d bytes (at most %d)", len(s.data), maxMeta)
			}
			dec := json.NewDecoder(bytes.NewReader(s.data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&b.Meta); err != nil {
				return nil, fmt.Errorf("bundle: META section: %w", err)
			}
		case tagModel:
			m, err := readExactly(s.data, quant.Read)
			if err != nil {
				return nil, fmt.Errorf("bundle: QNET section: %w", err)
			}
			b.Model = m
		case tagCache:
			c, err := readExactly(s.data, cache.Read)
			if err != nil {
				return nil, fmt.Errorf("bundle: CACH section: %w", err)
			}
			b.Cache = c
		default:
			return nil, fmt.Errorf("bundle: unknown section %q (written by a newer edgecache?)", s.tag)
		}
	}
	if !seen[tagMeta] || !seen[tagModel] {
		return nil, errors.New("bundle: META or QNET section missing")
	}
	if err := b.Check(); err != nil {
		return nil, err
	}
	return b, nil
}

// readExactly runs an owner's reader over a section and refuses bytes left
// after what it consumed: a section is exactly one file.
func readExactly[T any](data []byte, read func(io.Reader) (T, error)) (T, error) {
	r := bytes.NewReader(data)
	v, err := read(r)
	if err != nil {
		return v, err
	}
	if r.Len() != 0 {
		var zero T
		return zero, fmt.Errorf("%d bytes after the end of its data", r.Len())
	}
	return v, nil
}

type section struct {
	tag  string
	off  uint64
	data []byte
}

// sections checks the header and every section's checksum and returns the
// sections as sub-slices of data. Offsets and lengths are compared as uint64
// against len(data) before any conversion to int, so a forged size cannot
// wrap on a 32-bit board.
func sections(data []byte) ([]section, error) {
	if len(data) < 16 {
		if len(data) >= len(magic) && string(data[:len(magic)]) != magic {
			return nil, ErrNotBundle
		}
		return nil, fmt.Errorf("bundle: file of %d bytes is truncated (the header alone is 16)", len(data))
	}
	if string(data[:8]) != magic {
		return nil, ErrNotBundle
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v == 0 || v > FormatVersion {
		return nil, fmt.Errorf("bundle: format version %d (this build reads 1 to %d)", v, FormatVersion)
	}
	n := binary.LittleEndian.Uint32(data[12:])
	if n == 0 || n > maxSections {
		return nil, fmt.Errorf("bundle: %d sections (1 to %d)", n, maxSections)
	}
	hdrLen := 16 + int(n)*entrySize
	if len(data) < hdrLen+4 {
		return nil, fmt.Errorf("bundle: file of %d bytes is truncated inside its header (%d bytes)", len(data), hdrLen+4)
	}
	if crc32.Checksum(data[:hdrLen], castagnoli) != binary.LittleEndian.Uint32(data[hdrLen:]) {
		return nil, fmt.Errorf("%w: header", ErrChecksum)
	}
	size := uint64(len(data))
	next := uint64(hdrLen + 4)
	secs := make([]section, n)
	for i := range secs {
		e := data[16+i*entrySize:]
		tag := string(e[:4])
		off, length := binary.LittleEndian.Uint64(e[4:]), binary.LittleEndian.Uint64(e[12:])
		if off != next {
			return nil, fmt.Errorf("bundle: section %s at offset %d, expected %d", printable(tag), off, next)
		}
		if length > size || off > size-length {
			return nil, fmt.Errorf("bundle: section %s (%d bytes at %d) runs past the end of the %d-byte file: truncated",
				printable(tag), length, off, size)
		}
		s := data[off : off+length]
		if crc32.Checksum(s, castagnoli) != binary.LittleEndian.Uint32(e[20:]) {
			return nil, fmt.Errorf("%w: section %s", ErrChecksum, printable(tag))
		}
		secs[i] = section{tag: tag, off: off, data: s}
		next = off + length
	}
	if next != size {
		return nil, fmt.Errorf("bundle: %d bytes after the last section", size-next)
	}
	return secs, nil
}

// printable quotes a tag read from a file when it is not plain ASCII.
func printable(tag string) string {
	for i := 0; i < len(tag); i++ {
		if tag[i] < 0x20 || tag[i] > 0x7e {
			return fmt.Sprintf("%q", tag)
		}
	}
	return tag
}
