package jpegscale

import (
	"errors"
	"fmt"
)

// scanComp is one component of a scan with its tables.
type scanComp struct {
	c      *component
	plane  []uint8
	stride int
	dc, ac *huffman
	// qb holds, for each zigzag index k the transform reads, the n x n
	// output pattern of quantized value 1 there: the basis pattern times
	// the quantization step, at qb[k*n*n:].
	qb []float32
}

// scan reads a scan header (T.81 B.2.3) and decodes its entropy-coded data
// (F.2.2), restart intervals included.
func (d *Decoder) scan(b []byte) error {
	if !d.frameSeen {
		return errors.New("jpegscale: scan before the frame header")
	}
	if d.ncomp == 3 && !d.jfif && ((d.adobe && d.adobeXform == 0) ||
		(d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B')) {
		return fmt.Errorf("%w: RGB components (no YCbCr transform)", ErrUnsupported)
	}
	if len(b) < 1 {
		return errors.New("jpegscale: empty scan header")
	}
	ns := int(b[0])
	if ns < 1 || ns > d.ncomp || len(b) != 4+2*ns {
		return fmt.Errorf("jpegscale: scan header of %d bytes for %d components", len(b), ns)
	}
	if ss, se, ah, al := b[1+2*ns], b[2+2*ns], b[3+2*ns]>>4, b[3+2*ns]&15; ss != 0 || se != 63 || ah != 0 || al != 0 {
		return fmt.Errorf("jpegscale: sequential scan with spectral selection %d..%d, approximation %d/%d", ss, se, ah, al)
	}
	var sc [3]scanComp
	blocks := 0
	for i := range ns {
		id, t := b[1+2*i], b[2+2*i]
		var c *component
		for j := range d.ncomp {
			if d.comps[j].id == id {
				c = &d.comps[j]
				sc[i].plane, sc[i].stride = d.image.Planes[j].Pix, d.image.Planes[j].Stride
			}
		}
		if c == nil {
			return fmt.Errorf("jpegscale: scan names component id %d, not in the frame", id)
		}
		for j := range i {
			if sc[j].c == c {
				return fmt.Errorf("jpegscale: scan names component id %d twice", id)
			}
		}
		if c.done {
			return fmt.Errorf("jpegscale: component id %d is in two scans", id)
		}
		td, ta := t>>4, t&15
		if td > 3 || ta > 3 {
			return fmt.Errorf("jpegscale: scan names Huffman tables %d/%d", td, ta)
		}
		sc[i].c, sc[i].dc, sc[i].ac = c, &d.huff[0][td], &d.huff[1][ta]
		if !sc[i].dc.defined || !sc[i].ac.defined {
			return fmt.Errorf("%w: scan uses an undefined Huffman table (a Motion-JPEG frame relying on the standard tables?)", ErrUnsupported)
		}
		if !d.quantSet[c.tq] {
			return fmt.Errorf("jpegscale: component id %d uses undefined quantization table %d", id, c.tq)
		}
		sc[i].qb = d.patterns(c.tq)
		c.dcPred = 0
		blocks += int(c.h) * int(c.v)
	}
	if ns > 1 && blocks > 10 {
		return fmt.Errorf("jpegscale: %d blocks per MCU, over T.81's limit of 10", blocks)
	}
	if err := d.scanData(sc[:ns]); err != nil {
		return err
	}
	for i := range ns {
		sc[i].c.done = true
	}
	return nil
}

// patterns returns quantization table tq's output patterns for the
// current scale (scanComp.qb), built once per frame and table.
func (d *Decoder) patterns(tq uint8) []float32 {
	r := d.idct
	nn := r.n * r.n
	if d.qbFor[tq] != d.frameNo {
		d.qbFor[tq] = d.frameNo
		d.qb[tq] = growFloats(d.qb[tq], 64*nn)
		q := &d.quant[tq]
		for k := range 64 {
			if sl := r.slot[k]; sl >= 0 {
				step := float32(q[zigzag[k]])
				for i, b := range r.basisOf(int(sl)) {
					d.qb[tq][k*nn+i] = step * b
				}
			}
		}
	}
	return d.qb[tq]
}

func growFloats(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// scanData decodes the MCUs of one scan: in an interleaved scan each MCU
// holds h x v blocks of every component; in a one-component scan an MCU is
// one block and the blocks cover only the component's own samples (A.2.2).
func (d *Decoder) scanData(sc []scanComp) error {
	mx, my := d.mcuX, d.mcuY
	if len(sc) == 1 {
		c := sc[0].c
		mx, my = (c.w+7)/8, (c.h2+7)/8
	}
	n := d.idct.n
	d.bits.reset(d.data, d.pos)
	total, left := mx*my, d.restart
	rst := 0
	for m := range total {
		if d.restart > 0 && left == 0 {
			if err := d.nextInterval(rst); err != nil {
				return fmt.Errorf("jpegscale: MCU %d of %d: %w", m, total, err)
			}
			rst = (rst + 1) & 7
			left = d.restart
			for i := range sc {
				sc[i].c.dcPred = 0
			}
		}
		left--
		x, y := m%mx, m/mx
		for i := range sc {
			s := &sc[i]
			h, v := int(s.c.h), int(s.c.v)
			if len(sc) == 1 {
				h, v = 1, 1
			}
			for by := range v {
				for bx := range h {
					off := (y*v+by)*n*s.stride + (x*h+bx)*n
					if err := d.block(s, s.plane[off:], s.stride); err != nil {
						if d.bits.overrun() {
							// The zero bits past the end made the nonsense.
							err = ErrTruncated
						}
						return fmt.Errorf("jpegscale: MCU %d of %d: %w", m, total, err)
					}
				}
			}
		}
		if d.bits.overrun() {
			return fmt.Errorf("%w: at MCU %d of %d", ErrTruncated, m, total)
		}
	}
	// Leave pos after the scan's data: at the marker that ends it.
	d.pos = d.skipEntropy(d.bits.pos)
	return nil
}

// nextInterval expects restart marker RSTn at the end of an interval's
// data (the encoder pads the last byte with 1 bits, dropped here) and
// starts the next interval after it.
func (d *Decoder) nextInterval(rst int) error {
	b, p := d.data, d.bits.pos
	for p+1 < len(b) && b[p] == 0xff && b[p+1] == 0xff {
		p++ // fill bytes
	}
	if p >= len(b) {
		return fmt.Errorf("%w: data ends where restart marker %d should be", ErrTruncated, rst)
	}
	if p+1 >= len(b) || b[p] != 0xff || b[p+1] != mRST0+byte(rst) {
		return fmt.Errorf("jpegscale: restart marker RST%d missing at offset %d", rst, p)
	}
	d.bits.reset(b, p+2)
	return nil
}

// skipEntropy returns the offset of the first marker at or after p that is
// not a restart marker or stuffed byte.
func (d *Decoder) skipEntropy(p int) int {
	b := d.data
	for ; p+1 < len(b); p++ {
		if b[p] == 0xff && b[p+1] != 0 && b[p+1] != 0xff && (b[p+1] < mRST0 || b[p+1] > mRST0+7) {
			return p
		}
	}
	return len(b)
}

// block decodes one block's coefficients (F.2.2.1, F.2.2.2), dequantizes
// the ones the reduced transform reads and writes its samples at dst.
func (d *Decoder) block(s *scanComp, dst []uint8, stride int) error {
	r := d.idct
	acc := d.acc[:r.n*r.n]
	br := &d.bits
	br.fill()
	t, err := br.decode(s.dc)
	if err != nil {
		return err
	}
	if t > 11 {
		return fmt.Errorf("jpegscale: DC difference of %d bits", t)
	}
	s.c.dcPred += br.receive(t)
	// The DC term's pattern is flat (basis slot 0).
	dc := float32(s.c.dcPred) * s.qb[0]
	for i := range acc {
		acc[i] = dc
	}
	for k := 1; k < 64; k++ {
		if br.n < 32 {
			br.fill()
		}
		// br.decode, by hand: the compiler does not inline it here.
		var rs uint8
		if e := s.ac.look[br.acc>>(64-lookBits)]; e != 0 {
			l := uint(e >> 8)
			br.acc <<= l
			br.n -= l
			rs = uint8(e)
		} else if rs, err = br.slow(s.ac); err != nil {
			return err
		}
		run, size := int(rs>>4), rs&15
		if size == 0 {
			if run != 15 {
				break // end of block
			}
			k += 15 // sixteen zeros
			continue
		}
		k += run
		if k > 63 {
			return errors.New("jpegscale: AC coefficients run past the block")
		}
		v := br.receive(size)
		if r.slot[k] < 0 {
			continue
		}
		c := float32(v)
		if len(acc) == 16 { // 1/2 scale: fixed size, no bounds checks
			a, b := (*[16]float32)(acc), (*[16]float32)(s.qb[k*16:])
			for i := range a {
				a[i] += c * b[i]
			}
			continue
		}
		nn := len(acc)
		for i, b := range s.qb[k*nn : k*nn+nn] {
			acc[i] += c * b
		}
	}
	r.write(dst, stride, acc)
	return nil
}
