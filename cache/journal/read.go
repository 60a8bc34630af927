package journal

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Version is the file version this package writes and reads.
const Version = 1

const (
	magic      = "EDGETLOG"
	headerSize = 8 + 4 + 4 + 32 + 4
)

// ID identifies the bundle a log belongs to (the bundle file's SHA-256).
type ID [32]byte

// String is the ID's first 8 bytes in hex, enough to tell bundles apart in
// a message.
func (id ID) String() string { return hex.EncodeToString(id[:8]) }

// Header is what a log is tied to.
type Header struct {
	Bundle ID
	Dim    int // key length
}

// ErrNotLog reports a file that does not start with the log's magic.
var ErrNotLog = errors.New("journal: not a teach log (bad magic)")

// ErrForeign reports a log written for another bundle.
var ErrForeign = errors.New("journal: log belongs to another bundle")

func (h Header) check() error {
	if h.Dim < 1 || h.Dim > MaxDim {
		return fmt.Errorf("journal: key length %d (1 to %d)", h.Dim, MaxDim)
	}
	return nil
}

func (h Header) append(b []byte) []byte {
	start := len(b)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, Version)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Dim))
	b = append(b, h.Bundle[:]...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func parseHeader(b []byte) (Header, error) {
	var h Header
	if string(b[:8]) != magic {
		return h, ErrNotLog
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != Version {
		return h, fmt.Errorf("journal: log version %d (this program reads version %d)", v, Version)
	}
	if crc32.Checksum(b[:headerSize-4], castagnoli) != binary.LittleEndian.Uint32(b[headerSize-4:]) {
		return h, errors.New("journal: header checksum mismatch (file corrupt)")
	}
	dim := binary.LittleEndian.Uint32(b[12:])
	if dim < 1 || dim > MaxDim {
		return h, fmt.Errorf("journal: header key length %d (1 to %d)", dim, MaxDim)
	}
	h.Dim = int(dim)
	copy(h.Bundle[:], b[16:48])
	return h, nil
}

// Replay is what reading a log found.
type Replay struct {
	Header  Header
	Records []Record
	// Size is the length of the header and the whole, valid records: where
	// the next record goes.
	Size int64
	// Dropped counts the bytes after Size (a torn or corrupt record and
	// everything after it); Reason says what was wrong with them.
	Dropped int64
	Reason  error
}

// Read reads a log from r to its end. Damage after the header is not an
// error: reading stops at the first bad record and Replay says what was
// dropped. A missing or corrupt header is an error, as are read errors.
func Read(r io.Reader) (*Replay, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var hb [headerSize]byte
	if n, err := io.ReadFull(br, hb[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("journal: header truncated (%d of %d bytes)", n, headerSize)
		}
		return nil, fmt.Errorf("journal: read header: %w", err)
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return nil, err
	}
	rp := &Replay{Header: h, Size: headerSize}
	lo, hi := payloadBounds(h.Dim)
	var frame [frameSize]byte
	var payload []byte
	for {
		n, err := io.ReadFull(br, frame[:])
		if err == io.EOF {
			return rp, nil
		}
		if err == io.ErrUnexpectedEOF {
			return rp, rp.drop(br, int64(n), fmt.Errorf("torn record at offset %d: %d of %d frame bytes", rp.Size, n, frameSize))
		}
		if err != nil {
			return nil, fmt.Errorf("journal: read record at offset %d: %w", rp.Size, err)
		}
		// The length is checked against the header's bounds before any
		// allocation, as a uint32: a corrupt length can neither allocate
		// gigabytes nor overflow a 32-bit int.
		length := binary.LittleEndian.Uint32(frame[:4])
		if length < uint32(lo) || length > uint32(hi) {
			return rp, rp.drop(br, frameSize, fmt.Errorf("record at offset %d: length %d outside %d..%d", rp.Size, length, lo, hi))
		}
		if cap(payload) < int(length) {
			payload = make([]byte, hi)
		}
		p := payload[:length]
		if n, err := io.ReadFull(br, p); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return rp, rp.drop(br, frameSize+int64(n), fmt.Errorf("torn record at offset %d: %d of %d bytes", rp.Size, frameSize+n, frameSize+len(p)))
			}
			return nil, fmt.Errorf("journal: read record at offset %d: %w", rp.Size, err)
		}
		if frameCRC(frame[:4], p) != binary.LittleEndian.Uint32(frame[4:]) {
			return rp, rp.drop(br, frameSize+int64(len(p)), fmt.Errorf("record at offset %d: checksum mismatch", rp.Size))
		}
		rec, err := decodePayload(p, h.Dim)
		if err != nil {
			return rp, rp.drop(br, frameSize+int64(len(p)), fmt.Errorf("record at offset %d: %w", rp.Size, err))
		}
		rp.Records = append(rp.Records, rec)
		rp.Size += frameSize + int64(len(p))
	}
}

// drop counts the bytes from the damaged record to the end of the input.
func (rp *Replay) drop(r io.Reader, consumed int64, why error) error {
	rest, err := io.Copy(io.Discard, r)
	if err != nil {
		return fmt.Errorf("journal: read past damaged record: %w", err)
	}
	rp.Dropped = consumed + rest
	rp.Reason = why
	return nil
}
