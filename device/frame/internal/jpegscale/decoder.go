package jpegscale

import (
	"errors"
	"fmt"
	"math"
)

// ErrUnsupported is wrapped by the errors for valid JPEG features this
// decoder does not handle: the caller should decode such a frame with a
// general decoder (image/jpeg) instead.
var ErrUnsupported = errors.New("jpegscale: unsupported JPEG")

// ErrTruncated is wrapped by the error for a scan whose data ends before
// its last block.
var ErrTruncated = errors.New("jpegscale: scan data ends early (truncated frame?)")

// DefaultMaxPixels is the frame-size limit of a zero Decoder: 16.7 million
// pixels, above the largest Raspberry Pi camera mode (12.3 MP).
const DefaultMaxPixels = 1 << 24

// Plane is one component's samples at the reduced scale.
type Plane struct {
	// Pix holds the samples, row r at Pix[r*Stride:]. Rows and columns
	// past W and H are the padding of the last blocks.
	Pix    []uint8
	Stride int
	// W and H are the samples that lie in the frame: ceil(w/Scale) for a
	// component w samples wide at full size.
	W, H int
	// SubX and SubY are the frame pixels one full-size sample of this
	// component covers (1, or 2 for subsampled chroma): a sample k of
	// the plane covers frame columns [k*SubX*Scale, (k+1)*SubX*Scale).
	SubX, SubY int
}

// Image is a decoded frame. Its planes belong to the Decoder and are
// overwritten by its next Decode.
type Image struct {
	Width, Height int // the frame's size in pixels, at full scale
	Scale         int // 1, 2, 4 or 8: the planes hold 1/Scale of each side
	// Planes holds Y, Cb and Cr, or only Y (Planes[0]) for a grey frame.
	Planes [3]Plane
	Comps  int // 1 or 3
}

// component is one frame component as the frame header gives it.
type component struct {
	id, h, v, tq uint8
	bw, bh       int // blocks per row and column of the plane buffer
	w, h2        int // full-size samples in the frame
	dcPred       int32
	done         bool // appeared in a scan
}

// Decoder decodes JPEG frames at reduced scale. It keeps its tables and
// planes between calls, so decoding frames of one size allocates nothing
// after the first. It is not safe for concurrent use.
type Decoder struct {
	// MaxPixels refuses frames with more pixels; 0 means DefaultMaxPixels.
	MaxPixels int

	data  []byte
	pos   int
	scale int
	idct  *reducer

	width, height int
	hmax, vmax    int
	mcuX, mcuY    int
	comps         [3]component
	ncomp         int
	frameSeen     bool
	restart       int // MCUs per restart interval; 0: none
	jfif, adobe   bool
	adobeXform    uint8

	quant    [4][64]uint16 // natural order
	quantSet [4]bool
	// qb[t] is table t's output patterns (Decoder.patterns), current
	// when qbFor[t] == frameNo; a DQT segment makes them stale.
	qb      [4][]float32
	qbFor   [4]uint64
	frameNo uint64
	huff    [2][4]huffman // [class: 0 DC, 1 AC][table id]

	bits  bitReader
	acc   [64]float32 // one block's samples being summed
	pix   [3][]uint8
	image Image
}

// Decode decodes a whole JPEG frame at 1/scale of its size (scale 1, 2, 4
// or 8; 1 is a full-size decode through the same float transform, mostly
// useful for tests). The returned image's planes are valid until the next
// call.
func (d *Decoder) Decode(data []byte, scale int) (*Image, error) {
	r, ok := reducers[scale]
	if !ok {
		return nil, fmt.Errorf("jpegscale: scale 1/%d, want 1, 2, 4 or 8", scale)
	}
	d.data, d.pos, d.scale, d.idct = data, 0, scale, r
	d.frameNo++
	d.frameSeen, d.restart, d.jfif, d.adobe, d.ncomp = false, 0, false, false, 0
	d.quantSet = [4]bool{}
	for c := range d.huff {
		for i := range d.huff[c] {
			d.huff[c][i].defined = false
		}
	}
	err := d.decode()
	d.data = nil // do not keep the caller's frame alive
	if err != nil {
		return nil, err
	}
	return &d.image, nil
}

func (d *Decoder) maxPixels() int64 {
	if d.MaxPixels > 0 {
		return int64(d.MaxPixels)
	}
	return DefaultMaxPixels
}

// frameHeader reads a SOF0 or SOF1 segment body (T.81 B.2.2) and sizes the
// planes.
func (d *Decoder) frameHeader(b []byte) error {
	if d.frameSeen {
		return errors.New("jpegscale: second frame header")
	}
	if len(b) < 6 {
		return errors.New("jpegscale: frame header too short")
	}
	if b[0] != 8 {
		return fmt.Errorf("%w: %d-bit samples", ErrUnsupported, b[0])
	}
	h, w, n := int(b[1])<<8|int(b[2]), int(b[3])<<8|int(b[4]), int(b[5])
	if h == 0 {
		return fmt.Errorf("%w: height set later by a DNL marker", ErrUnsupported)
	}
	if w == 0 {
		return errors.New("jpegscale: frame of width 0")
	}
	if int64(w)*int64(h) > d.maxPixels() {
		return fmt.Errorf("jpegscale: %dx%d frame is over the %d-pixel limit", w, h, d.maxPixels())
	}
	if n != 1 && n != 3 {
		return fmt.Errorf("%w: %d components", ErrUnsupported, n)
	}
	if len(b) != 6+3*n {
		return fmt.Errorf("jpegscale: frame header of %d bytes for %d components", len(b), n)
	}
	d.width, d.height, d.ncomp = w, h, n
	d.hmax, d.vmax = 1, 1
	for i := range n {
		c := &d.comps[i]
		p := b[6+3*i:]
		*c = component{id: p[0], h: p[1] >> 4, v: p[1] & 15, tq: p[2]}
		if c.h == 0 || c.v == 0 || c.h > 4 || c.v > 4 {
			return fmt.Errorf("jpegscale: component %d has sampling factors %dx%d", i, c.h, c.v)
		}
		if c.h > 2 || c.v > 2 {
			return fmt.Errorf("%w: sampling factors %dx%d", ErrUnsupported, c.h, c.v)
		}
		if c.tq > 3 {
			return fmt.Errorf("jpegscale: component %d names quantization table %d", i, c.tq)
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return fmt.Errorf("jpegscale: two components with id %d", c.id)
			}
		}
		d.hmax, d.vmax = max(d.hmax, int(c.h)), max(d.vmax, int(c.v))
	}
	if n == 3 {
		// The luma plane must be the full-resolution one and both
		// chroma planes alike, as in every camera's JFIF output;
		// other layouts go to the general decoder.
		y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
		if int(y.h) != d.hmax || int(y.v) != d.vmax || cb.h != cr.h || cb.v != cr.v {
			return fmt.Errorf("%w: sampling %dx%d, %dx%d, %dx%d", ErrUnsupported, y.h, y.v, cb.h, cb.v, cr.h, cr.v)
		}
	}
	d.mcuX = (w + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcuY = (h + 8*d.vmax - 1) / (8 * d.vmax)
	n8 := 8 / d.scale
	d.image = Image{Width: w, Height: h, Scale: d.scale, Comps: n}
	for i := range n {
		c := &d.comps[i]
		c.bw, c.bh = d.mcuX*int(c.h), d.mcuY*int(c.v)
		c.w = (w*int(c.h) + d.hmax - 1) / d.hmax
		c.h2 = (h*int(c.v) + d.vmax - 1) / d.vmax
		// At most (2*65535/16+1)^2 * 64 samples at scale 1, bounded
		// by the pixel limit above; int64 keeps 32-bit boards exact.
		size := int64(c.bw*n8) * int64(c.bh*n8)
		if size > math.MaxInt32 {
			return fmt.Errorf("jpegscale: %dx%d frame needs %d bytes for one plane", w, h, size)
		}
		if cap(d.pix[i]) < int(size) {
			d.pix[i] = make([]uint8, size)
		}
		d.pix[i] = d.pix[i][:size]
		d.image.Planes[i] = Plane{
			Pix: d.pix[i], Stride: c.bw * n8,
			W: (c.w + d.scale - 1) / d.scale, H: (c.h2 + d.scale - 1) / d.scale,
			SubX: d.hmax / int(c.h), SubY: d.vmax / int(c.v),
		}
	}
	for i := n; i < 3; i++ {
		d.image.Planes[i] = Plane{}
	}
	d.frameSeen = true
	return nil
}
