package frame

import (
	"errors"
	"fmt"
)

var errNotJPEG = errors.New("frame: jpeg: no start-of-image marker (FFD8): not a JPEG")

// jpegSize reads a JPEG's width and height from its frame header (SOFn)
// without decoding, so a header that claims a huge image is refused before
// image/jpeg allocates planes for it (a 65535x65535 claim is 4 GiB: more
// than a 32-bit board can address). Marker layout from ITU-T T.81 (JPEG),
// B.1.1 and B.2.2: every marker is FF xx, optionally preceded by FF fill
// bytes; all but SOI, EOI, RSTn and TEM carry a 2-byte big-endian length
// that counts itself.
func jpegSize(b []byte) (w, h int, err error) {
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return 0, 0, errNotJPEG
	}
	i := 2
	for {
		for i < len(b) && b[i] == 0xff && i+1 < len(b) && b[i+1] == 0xff {
			i++ // fill bytes
		}
		if i+1 >= len(b) {
			return 0, 0, errors.New("frame: jpeg: truncated before the frame header")
		}
		if b[i] != 0xff {
			return 0, 0, fmt.Errorf("frame: jpeg: byte %#02x at offset %d where a marker should be", b[i], i)
		}
		m := b[i+1]
		i += 2
		switch {
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // TEM, RSTn: no length
			continue
		case m == 0xd9:
			return 0, 0, errors.New("frame: jpeg: end of image before the frame header")
		case m == 0xda:
			return 0, 0, errors.New("frame: jpeg: scan before the frame header")
		}
		if i+2 > len(b) {
			return 0, 0, errors.New("frame: jpeg: truncated before the frame header")
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 {
			return 0, 0, fmt.Errorf("frame: jpeg: marker %#02x has length %d", m, n)
		}
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			// SOFn: length, precision, height, width.
			if n < 8 || i+7 > len(b) {
				return 0, 0, errors.New("frame: jpeg: truncated frame header")
			}
			h, w = int(b[i+3])<<8|int(b[i+4]), int(b[i+5])<<8|int(b[i+6])
			if w == 0 || h == 0 {
				return 0, 0, fmt.Errorf("frame: jpeg: frame header gives %dx%d (a height set later by DNL is not supported)", w, h)
			}
			return w, h, nil
		}
		i += n
	}
}
