// Package mjpeg reads Motion JPEG: a byte stream of whole JPEG images one
// after another, as `rpicam-vid --codec mjpeg -o -` writes it on a pipe
// (the way a Go program reaches a Pi camera module on current Raspberry Pi
// OS, where the camera stack is libcamera and has no Go binding) and as
// many IP and USB cameras send it. Reader splits the stream into frames;
// Dev is a device.Source over any io.Reader; Pipe runs the camera command
// and restarts it when it dies.
package mjpeg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame bounds one JPEG: 8 MiB, above a 12 MP frame at the
// highest quality rpicam-vid writes; a stream that never ends a frame
// cannot make the reader grow without bound.
const DefaultMaxFrame = 8 << 20

// Errors a caller may handle: the frame is dropped and the next Next
// resumes at the following frame.
var (
	// ErrCut is a frame that ends before its end-of-image marker: the
	// stream stopped (io.ErrUnexpectedEOF is wrapped too) or a new frame
	// began (a camera restarted mid-frame).
	ErrCut = errors.New("mjpeg: frame cut short")
	// ErrTooLarge is a frame longer than the reader's limit.
	ErrTooLarge = errors.New("mjpeg: frame over the size limit")
	// ErrCorrupt is a frame whose marker structure is broken.
	ErrCorrupt = errors.New("mjpeg: corrupt frame")
)

// Reader splits an MJPEG stream into JPEG images. It follows each image's
// marker structure (ITU-T T.81, B.1.1: segments carry their length; in the
// entropy-coded data a 0xFF byte is followed by 0x00 or a restart marker,
// so any other marker ends it) rather than searching for FFD9, because an
// EXIF thumbnail inside APP1 holds an end-of-image marker of its own.
// Bytes between images (garbage, or a multipart HTTP boundary) are skipped.
// A frame that defines no Huffman tables before its first scan, as many
// webcams send them, gets the standard tables it implies (AddHuffman), so
// each frame Next returns is a JPEG that decodes on its own.
type Reader struct {
	r       *bufio.Reader
	max     int
	buf     []byte
	pending bool // an SOI was read (it cut the previous frame) and starts the next
	Skipped int64
}

// NewReader reads from r; maxFrame 0 means DefaultMaxFrame.
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: maxFrame}
}

// Next returns the next whole JPEG (SOI to EOI). The slice is the reader's
// own buffer, valid until the following call. At the end of a stream that
// ends between frames Next returns io.EOF; a frame that is cut, too large
// or corrupt is an error wrapping ErrCut, ErrTooLarge or ErrCorrupt, after
// which Next goes on with the next frame.
func (m *Reader) Next() ([]byte, error) {
	if !m.pending {
		if err := m.sync(); err != nil {
			return nil, err
		}
	}
	m.pending = false
	m.buf = append(m.buf[:0], 0xff, 0xd8)
	scan := false   // inside entropy-coded data
	tables := false // a DHT segment came (or was added)
	for {
		if len(m.buf) > m.max {
			return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, m.max)
		}
		b, err := m.r.ReadByte()
		if err != nil {
			return nil, m.cut(err)
		}
		if b != 0xff {
			if !scan {
				return nil, fmt.Errorf("%w: byte %#02x at %d where a marker should be", ErrCorrupt, b, len(m.buf))
			}
			m.buf = append(m.buf, b)
			continue
		}
		// A marker, or in scan data a stuffed 0xFF: skip fill bytes.
		mk := byte(0xff)
		for mk == 0xff {
			if mk, err = m.r.ReadByte(); err != nil {
				return nil, m.cut(err)
			}
		}
		switch {
		case scan && (mk == 0x00 || mk >= 0xd0 && mk <= 0xd7):
			m.buf = append(m.buf, 0xff, mk) // stuffed byte or restart: data
			continue
		case mk == 0xd9:
			m.buf = append(m.buf, 0xff, 0xd9)
			return m.buf, nil
		case mk == 0xd8:
			m.pending = true
			return nil, fmt.Errorf("%w: a new image began %d bytes into this one", ErrCut, len(m.buf))
		case mk == 0x01 || mk >= 0xd0 && mk <= 0xd7:
			m.buf = append(m.buf, 0xff, mk)
			continue
		case mk == 0x00:
			return nil, fmt.Errorf("%w: stuffed byte outside scan data at %d", ErrCorrupt, len(m.buf))
		}
		var l [2]byte
		if _, err := io.ReadFull(m.r, l[:]); err != nil {
			return nil, m.cut(err)
		}
		n := int(l[0])<<8 | int(l[1])
		if n < 2 {
			return nil, fmt.Errorf("%w: marker %#02x with length %d", ErrCorrupt, mk, n)
		}
		switch {
		case mk == 0xc4:
			tables = true
		case mk == 0xda && !tables:
			// A Motion JPEG frame without Huffman tables means the
			// standard ones (huffman.go): add them, so every frame
			// decodes on its own.
			m.buf = append(m.buf, stdDHT...)
			tables = true
		}
		if len(m.buf)+n+2 > m.max {
			return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, m.max)
		}
		at := len(m.buf)
		m.buf = append(m.buf, 0xff, mk, l[0], l[1])
		m.buf = append(m.buf, make([]byte, n-2)...)
		if _, err := io.ReadFull(m.r, m.buf[at+4:]); err != nil {
			return nil, m.cut(err)
		}
		scan = mk == 0xda // SOS: entropy-coded data follows
	}
}

// sync skips to the next start-of-image marker.
func (m *Reader) sync() error {
	prev := byte(0)
	for {
		b, err := m.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return fmt.Errorf("mjpeg: %w", err)
		}
		if prev == 0xff && b == 0xd8 {
			m.Skipped-- // the 0xFF counted below was the marker's
			return nil
		}
		m.Skipped++
		prev = b
	}
}

func (m *Reader) cut(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: stream ended %d bytes into a frame: %w", ErrCut, len(m.buf), err)
}
