package jpegscale

import (
	"errors"
	"fmt"
)

// Marker codes, from ITU-T T.81 Table B.1.
const (
	mSOF0 = 0xc0 // baseline DCT
	mSOF1 = 0xc1 // extended sequential DCT, Huffman
	mDHT  = 0xc4
	mDAC  = 0xcc // arithmetic conditioning
	mRST0 = 0xd0
	mSOI  = 0xd8
	mEOI  = 0xd9
	mSOS  = 0xda
	mDQT  = 0xdb
	mDRI  = 0xdd
	mAPP0 = 0xe0
	mAPPE = 0xee // APP14: Adobe's colour transform flag
	mTEM  = 0x01
)

// decode walks the marker segments (T.81 B.2, B.3) and decodes each scan.
func (d *Decoder) decode() error {
	b := d.data
	if len(b) < 2 || b[0] != 0xff || b[1] != mSOI {
		return errors.New("jpegscale: no start-of-image marker (FFD8): not a JPEG")
	}
	d.pos = 2
	for {
		m, err := d.marker()
		if err != nil {
			return err
		}
		switch {
		case m == mEOI:
			return d.finish()
		case m == mTEM || (m >= mRST0 && m <= mRST0+7):
			continue // no segment; a stray RSTn between scans is harmless
		}
		if d.pos+2 > len(b) {
			return fmt.Errorf("jpegscale: data ends in marker %#02x's length", m)
		}
		n := int(b[d.pos])<<8 | int(b[d.pos+1])
		if n < 2 {
			return fmt.Errorf("jpegscale: marker %#02x has length %d", m, n)
		}
		if d.pos+n > len(b) {
			return fmt.Errorf("jpegscale: marker %#02x segment of %d bytes runs past the data (truncated frame?)", m, n)
		}
		seg := b[d.pos+2 : d.pos+n]
		d.pos += n
		switch {
		case m == mSOF0 || m == mSOF1:
			err = d.frameHeader(seg)
		case m == mDHT:
			err = d.defineHuffman(seg)
		case m == mDQT:
			err = d.defineQuant(seg)
		case m == mDRI:
			if len(seg) != 2 {
				return errors.New("jpegscale: restart interval segment is not 2 bytes")
			}
			d.restart = int(seg[0])<<8 | int(seg[1])
		case m == mAPP0:
			if len(seg) >= 5 && string(seg[:5]) == "JFIF\x00" {
				d.jfif = true
			}
		case m == mAPPE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.adobeXform = true, seg[11]
			}
		case m == mSOS:
			err = d.scan(seg)
		case m == mDAC || (m >= 0xc2 && m <= 0xcf):
			// The other SOFn (progressive, lossless, hierarchical,
			// arithmetic) and arithmetic conditioning.
			err = fmt.Errorf("%w: marker %#02x (%s)", ErrUnsupported, m, sofName(m))
		}
		// APPn, COM, DNL, JPGn and the rest: skipped.
		if err != nil {
			return err
		}
		if d.allDecoded() {
			// Everything is decoded: what follows (EOI, trailing
			// metadata some cameras append) is not needed.
			return d.finish()
		}
	}
}

// marker reads the next marker code, skipping fill bytes (FF FF ...).
func (d *Decoder) marker() (byte, error) {
	b := d.data
	if d.pos >= len(b) {
		return 0, errors.New("jpegscale: data ends before the end-of-image marker (truncated frame?)")
	}
	if b[d.pos] != 0xff {
		return 0, fmt.Errorf("jpegscale: byte %#02x at offset %d where a marker should be", b[d.pos], d.pos)
	}
	for d.pos < len(b) && b[d.pos] == 0xff {
		d.pos++
	}
	if d.pos >= len(b) {
		return 0, errors.New("jpegscale: data ends in a marker (truncated frame?)")
	}
	m := b[d.pos]
	d.pos++
	if m == 0 {
		return 0, fmt.Errorf("jpegscale: stuffed byte FF00 at offset %d outside a scan", d.pos-2)
	}
	return m, nil
}

func sofName(m byte) string {
	switch m {
	case 0xc2, 0xc6, 0xca, 0xce:
		return "progressive"
	case 0xc3, 0xc7, 0xcb, 0xcf:
		return "lossless"
	case 0xc9:
		return "arithmetic-coded"
	case 0xc5:
		return "hierarchical"
	case mDAC:
		return "arithmetic conditioning"
	}
	return "reserved"
}

func (d *Decoder) allDecoded() bool {
	if !d.frameSeen {
		return false
	}
	for i := range d.ncomp {
		if !d.comps[i].done {
			return false
		}
	}
	return true
}

// finish checks that every component was in a scan.
func (d *Decoder) finish() error {
	if !d.frameSeen {
		return errors.New("jpegscale: no frame header")
	}
	for i := range d.ncomp {
		if !d.comps[i].done {
			return fmt.Errorf("jpegscale: component %d is in no scan", i)
		}
	}
	return nil
}

// defineQuant reads a DQT segment (T.81 B.2.4.1): tables of 8- or 16-bit
// values in zigzag order.
func (d *Decoder) defineQuant(b []byte) error {
	for len(b) > 0 {
		pq, tq := b[0]>>4, b[0]&15
		if pq > 1 || tq > 3 {
			return fmt.Errorf("jpegscale: quantization table %d of precision %d", tq, pq)
		}
		size := 1 + 64*int(pq+1)
		if len(b) < size {
			return errors.New("jpegscale: quantization table segment too short")
		}
		q := &d.quant[tq]
		for k := range 64 {
			v := uint16(b[1+k])
			if pq == 1 {
				v = uint16(b[1+2*k])<<8 | uint16(b[2+2*k])
			}
			q[zigzag[k]] = v
		}
		d.quantSet[tq] = true
		d.qbFor[tq] = 0 // patterns stale
		b = b[size:]
	}
	return nil
}

// defineHuffman reads a DHT segment (T.81 B.2.4.2).
func (d *Decoder) defineHuffman(b []byte) error {
	for len(b) > 0 {
		if len(b) < 17 {
			return errors.New("jpegscale: Huffman table segment too short")
		}
		tc, th := b[0]>>4, b[0]&15
		if tc > 1 || th > 3 {
			return fmt.Errorf("jpegscale: Huffman table class %d id %d", tc, th)
		}
		var counts [16]uint8
		copy(counts[:], b[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if total > 256 || len(b) < 17+total {
			return fmt.Errorf("jpegscale: Huffman table of %d codes in a %d-byte segment", total, len(b))
		}
		if err := d.huff[tc][th].build(&counts, b[17:17+total]); err != nil {
			return err
		}
		b = b[17+total:]
	}
	return nil
}
