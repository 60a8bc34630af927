package arducam

import "fmt"

// jpegBounds finds a JPEG in FIFO bytes: the OV2640 may leave bytes before
// the start-of-image marker and the ArduChip pads the length after the
// end-of-image one, so the frame is the bytes from the first FF D8 through
// the first FF D9 after it (the framing of ArduCAM's examples). Inside a
// JPEG's entropy-coded data every FF byte is followed by 00 (stuffing,
// ITU T.81 B.1.1.5), so FF D9 there can only be the end marker.
//
// It scans incrementally, so a burst read can stop at the end marker.
type jpegBounds struct {
	start, end int // -1 until found; end is one past the D9
	next       int // first index not yet examined as a pair's first byte
}

func newJPEGBounds() jpegBounds { return jpegBounds{start: -1, end: -1} }

// scan examines b, which extends what earlier calls saw, and reports
// whether the end marker has been found.
func (j *jpegBounds) scan(b []byte) bool {
	if j.end >= 0 {
		return true
	}
	for i := j.next; i+1 < len(b); i++ {
		if b[i] != 0xFF {
			continue
		}
		switch {
		case j.start < 0 && b[i+1] == 0xD8:
			j.start = i
			i++ // D8 cannot start a marker
		case j.start >= 0 && b[i+1] == 0xD9:
			j.end = i + 2
			j.next = j.end
			return true
		}
		j.next = i + 1
	}
	// A final FF may pair with the next call's first byte.
	if len(b) > 0 && j.next < len(b)-1 {
		j.next = len(b) - 1
	}
	return false
}

// frame returns the JPEG within b (all the bytes scan has seen, and more).
func (j *jpegBounds) frame(b []byte) ([]byte, error) {
	j.scan(b)
	switch {
	case j.start < 0:
		return nil, fmt.Errorf("%w: no JPEG start marker (FF D8) in %d bytes", ErrBadFrame, len(b))
	case j.end < 0:
		return nil, fmt.Errorf("%w: JPEG from byte %d has no end marker (FF D9) in %d bytes: truncated", ErrBadFrame, j.start, len(b))
	}
	return b[j.start:j.end], nil
}
