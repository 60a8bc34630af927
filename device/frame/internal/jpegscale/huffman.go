package jpegscale

import (
	"errors"
	"fmt"
)

// lookBits is the width of the Huffman lookup table: codes this long or
// shorter (nearly every symbol of a camera's tables) decode in one step.
const lookBits = 9

// huffman is one decoding table, built from a DHT segment's code counts
// and symbols as T.81 Annex C (Figures C.1 to C.3) assigns the codes:
// canonical, shortest first, each length's codes counting up from the
// previous length's next code shifted left by one.
type huffman struct {
	defined bool
	// look[peek] for the next lookBits bits: code length << 8 | symbol,
	// or 0 when the code is longer than lookBits.
	look [1 << lookBits]uint16
	// For longer codes (F.2.2.3, Figure F.16): the largest code of each
	// length (-1: none), and the index in vals of its first code less
	// that code.
	maxCode [17]int32
	delta   [17]int32
	vals    [256]uint8
}

func (h *huffman) build(counts *[16]uint8, vals []uint8) error {
	h.defined = false
	h.look = [1 << lookBits]uint16{}
	copy(h.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		if n == 0 {
			h.maxCode[l] = -1
			code <<= 1
			continue
		}
		if code+n > 1<<l {
			return fmt.Errorf("jpegscale: Huffman table has %d codes of length %d, more than fit", n, l)
		}
		h.delta[l] = k - code
		for i := range n {
			if l <= lookBits {
				// Every lookBits-bit word starting with this code.
				c := (code + i) << (lookBits - l)
				e := uint16(l)<<8 | uint16(vals[k+i])
				for j := range int32(1) << (lookBits - l) {
					h.look[c+j] = e
				}
			}
		}
		k += n
		code += n
		h.maxCode[l] = code - 1
		code <<= 1
	}
	h.defined = true
	return nil
}

// bitReader reads a scan's entropy-coded bits, most significant first,
// dropping the zero byte stuffed after every FF data byte (T.81 F.1.2.3).
// At a marker or the end of the data it stops and feeds zero bits, counting
// them in pad: a well-formed scan never consumes those, so n < pad after a
// block means the data ran out.
type bitReader struct {
	data []byte
	pos  int    // next byte to read
	acc  uint64 // bits, left-aligned
	n    uint   // valid bits in acc, pad of them the zero padding
	pad  uint
}

func (r *bitReader) reset(data []byte, pos int) {
	*r = bitReader{data: data, pos: pos}
}

// fill tops acc up to more than 56 bits.
func (r *bitReader) fill() {
	for r.n <= 56 {
		var b byte
		switch {
		case r.pos >= len(r.data):
			r.pad += 8
		case r.data[r.pos] != 0xff:
			b = r.data[r.pos]
			r.pos++
		case r.pos+1 < len(r.data) && r.data[r.pos+1] == 0:
			b = 0xff
			r.pos += 2
		default: // a marker: the scan's data (or this interval's) ends here
			r.pad += 8
		}
		r.acc |= uint64(b) << (56 - r.n)
		r.n += 8
	}
}

// overrun says whether bits past the scan's data were consumed.
func (r *bitReader) overrun() bool { return r.n < r.pad }

var errBadCode = errors.New("jpegscale: invalid Huffman code in scan data")

// decode reads one Huffman-coded symbol. The caller has filled acc to at
// least 16 bits. Small enough to be inlined; longer codes take slow.
func (r *bitReader) decode(h *huffman) (uint8, error) {
	if e := h.look[r.acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		r.acc <<= l
		r.n -= l
		return uint8(e), nil
	}
	return r.slow(h)
}

// slow decodes a code longer than lookBits (T.81 F.2.2.3, Figure F.16).
func (r *bitReader) slow(h *huffman) (uint8, error) {
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(r.acc >> (64 - l))
		if code <= h.maxCode[l] {
			r.acc <<= uint(l)
			r.n -= uint(l)
			return h.vals[uint8(code+h.delta[l])], nil
		}
	}
	return 0, errBadCode
}

// receive reads an s-bit magnitude and extends its sign (T.81 F.2.2.1,
// Figure F.12): s is at most 16 and acc holds at least s bits.
func (r *bitReader) receive(s uint8) int32 {
	if s == 0 {
		return 0
	}
	v := int32(r.acc >> (64 - s))
	r.acc <<= s
	r.n -= uint(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}
