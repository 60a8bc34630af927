package jpegscale

import (
	"bytes"
	"image"
	"math"
	"sort"
)

// A small baseline JPEG encoder for the tests: image/jpeg writes only 4:2:0
// colour and grey, without restart intervals, and the decoder must be
// proven on every sampling it accepts. It follows T.81: forward DCT
// (A.3.3), quantization, DC differences and AC run/size symbols (F.1.2),
// per-image Huffman tables from the symbol counts with code lengths limited
// to 16 bits (Annex K.2), byte stuffing, restart markers. Its output is
// checked by decoding it with image/jpeg, the reference of every test.

type encOpts struct {
	h, v    [3]int // sampling factors; grey uses h[0], v[0]
	gray    bool
	quality int // 1..100: scales the quantization tables
	restart int // MCUs per restart interval; 0: none
	// separate codes each colour component in a scan of its own
	// (non-interleaved), instead of one interleaved scan.
	separate bool
}

type bitWriter struct {
	buf  bytes.Buffer
	acc  uint32
	nacc uint
}

func (w *bitWriter) put(code uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (code>>uint(i))&1
		w.nacc++
		if w.nacc == 8 {
			w.byte(uint8(w.acc))
		}
	}
}

func (w *bitWriter) byte(b uint8) {
	w.buf.WriteByte(b)
	if b == 0xff {
		w.buf.WriteByte(0) // stuffing
	}
	w.acc, w.nacc = 0, 0
}

// flush pads the last byte with 1 bits.
func (w *bitWriter) flush() {
	for w.nacc != 0 {
		w.put(1, 1)
	}
}

type code struct {
	bits uint32
	n    uint
}

// huffTable builds length-limited Huffman codes from symbol counts (T.81
// K.2: a reserved symbol keeps the all-ones code out; lengths over 16 are
// folded back as Figure K.3 does) and returns the DHT counts and symbols.
func huffTable(freq map[uint8]int) (counts [16]uint8, vals []uint8, codes map[uint8]code) {
	type node struct {
		f    int
		syms []int
	}
	const reserved = 256
	var nodes []node
	length := map[int]int{}
	for s, f := range freq {
		nodes = append(nodes, node{f, []int{int(s)}})
	}
	nodes = append(nodes, node{0, []int{reserved}})
	if len(nodes) == 1 {
		nodes = append(nodes, node{0, []int{reserved + 1}})
	}
	for len(nodes) > 1 {
		sort.Slice(nodes, func(i, j int) bool {
			if nodes[i].f != nodes[j].f {
				return nodes[i].f < nodes[j].f
			}
			return nodes[i].syms[0] < nodes[j].syms[0]
		})
		a, b := nodes[0], nodes[1]
		for _, s := range append(append([]int{}, a.syms...), b.syms...) {
			length[s]++
		}
		nodes = append(nodes[2:], node{a.f + b.f, append(append([]int{}, a.syms...), b.syms...)})
	}
	var bits [33]int
	for _, l := range length {
		bits[l]++
	}
	for i := 32; i > 16; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}
	i := 16
	for bits[i] == 0 {
		i--
	}
	bits[i]-- // drop the reserved symbol's code
	// Symbols by count, most frequent (shortest code) first.
	var syms []int
	for s := range freq {
		syms = append(syms, int(s))
	}
	sort.Slice(syms, func(a, b int) bool {
		fa, fb := freq[uint8(syms[a])], freq[uint8(syms[b])]
		if fa != fb {
			return fa > fb
		}
		return syms[a] < syms[b]
	})
	codes = map[uint8]code{}
	c, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		counts[l-1] = uint8(bits[l])
		for range bits[l] {
			s := uint8(syms[k])
			vals = append(vals, s)
			codes[s] = code{c, uint(l)}
			c++
			k++
		}
		c <<= 1
	}
	return counts, vals, codes
}

// category is the number of bits of v's magnitude (F.1.2.1.1).
func category(v int) uint8 {
	v = max(v, -v)
	n := uint8(0)
	for v > 0 {
		n++
		v >>= 1
	}
	return n
}

// magnitude is the s low bits that code v (negative: v - 1, F.1.2.1.1).
func magnitude(v int, s uint8) uint32 {
	if v < 0 {
		v--
	}
	return uint32(v) & (1<<s - 1)
}

// encPlane is one component at its own resolution, padded to its blocks
// by repeating the edge samples.
type encPlane struct {
	pix    []float64
	bw, bh int // blocks
	h, v   int
	tq     int
}

func fdct(blk *[64]float64) [64]float64 {
	var out [64]float64
	for v := range 8 {
		for u := range 8 {
			cu, cv := 1.0, 1.0
			if u == 0 {
				cu = 1 / math.Sqrt2
			}
			if v == 0 {
				cv = 1 / math.Sqrt2
			}
			var s float64
			for y := range 8 {
				for x := range 8 {
					s += (blk[8*y+x] - 128) * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
				}
			}
			out[8*v+u] = cu * cv / 4 * s
		}
	}
	return out
}

// encodeJPEG writes img with the given options.
func encodeJPEG(img *image.RGBA, o encOpts) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ncomp := 3
	if o.gray {
		ncomp = 1
	}
	hmax, vmax := 1, 1
	for i := range ncomp {
		hmax, vmax = max(hmax, o.h[i]), max(vmax, o.v[i])
	}
	mcuX, mcuY := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
	full := make([][]float64, ncomp)
	for i := range full {
		full[i] = make([]float64, w*h)
	}
	for y := range h {
		for x := range w {
			p := img.Pix[y*img.Stride+4*x:]
			r, g, bl := float64(p[0]), float64(p[1]), float64(p[2])
			yy := 0.299*r + 0.587*g + 0.114*bl
			full[0][y*w+x] = yy
			if !o.gray {
				full[1][y*w+x] = 128 - 0.168736*r - 0.331264*g + 0.5*bl
				full[2][y*w+x] = 128 + 0.5*r - 0.418688*g - 0.081312*bl
			}
		}
	}
	planes := make([]encPlane, ncomp)
	for i := range planes {
		sx, sy := hmax/o.h[i], vmax/o.v[i]
		cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
		p := encPlane{bw: mcuX * o.h[i], bh: mcuY * o.v[i], h: o.h[i], v: o.v[i], tq: min(i, 1)}
		p.pix = make([]float64, p.bw*8*p.bh*8)
		for y := range p.bh * 8 {
			for x := range p.bw * 8 {
				cx, cy := min(x, cw-1), min(y, ch-1)
				var s float64
				var n int
				for dy := range sy {
					for dx := range sx {
						fx, fy := cx*sx+dx, cy*sy+dy
						if fx < w && fy < h {
							s += full[i][fy*w+fx]
							n++
						}
					}
				}
				p.pix[y*p.bw*8+x] = s / float64(n)
			}
		}
		planes[i] = p
	}
	var quant [2][64]int // natural order
	for t := range quant {
		f := float64(100-o.quality) / 25
		for k := range 64 {
			u, v := k%8, k/8
			quant[t][k] = max(1, min(255, int(math.Round((2+float64(2*(u+v)+4*t))*f))))
		}
	}
	// Quantized coefficients of every block, in zigzag order.
	coef := make([][][64]int, ncomp)
	for i, p := range planes {
		coef[i] = make([][64]int, p.bw*p.bh)
		for by := range p.bh {
			for bx := range p.bw {
				var blk [64]float64
				for y := range 8 {
					for x := range 8 {
						blk[8*y+x] = p.pix[(by*8+y)*p.bw*8+bx*8+x]
					}
				}
				f := fdct(&blk)
				for k := range 64 {
					nat := zigzag[k]
					coef[i][by*p.bw+bx][k] = int(math.Round(f[nat] / float64(quant[p.tq][nat])))
				}
			}
		}
	}
	type scanDef struct {
		comps  []int
		mx, my int
	}
	var scans []scanDef
	if ncomp == 1 || o.separate {
		for i := range ncomp {
			sx, sy := hmax/o.h[i], vmax/o.v[i]
			cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
			scans = append(scans, scanDef{[]int{i}, (cw + 7) / 8, (ch + 7) / 8})
		}
	} else {
		scans = append(scans, scanDef{[]int{0, 1, 2}, mcuX, mcuY})
	}
	// blocks lists one scan's blocks in coding order.
	blocks := func(s scanDef, fn func(m, comp, blk int)) {
		for m := range s.mx * s.my {
			x, y := m%s.mx, m/s.mx
			for _, i := range s.comps {
				p := planes[i]
				if len(s.comps) == 1 {
					fn(m, i, y*p.bw+x)
					continue
				}
				for by := range p.v {
					for bx := range p.h {
						fn(m, i, (y*p.v+by)*p.bw+x*p.h+bx)
					}
				}
			}
		}
	}
	// symbols runs the F.1.2 coding of a scan, sending each symbol and
	// its extra bits to emit.
	symbols := func(s scanDef, emit func(table, class int, sym uint8, extra uint32, n uint8), restart func(m int)) {
		pred := make([]int, ncomp)
		last := -1
		blocks(s, func(m, i, bi int) {
			if m != last && o.restart > 0 && m > 0 && m%o.restart == 0 {
				if restart != nil {
					restart(m)
				}
				for j := range pred {
					pred[j] = 0
				}
			}
			last = m
			c := &coef[i][bi]
			t := planes[i].tq
			d := c[0] - pred[i]
			pred[i] = c[0]
			cat := category(d)
			emit(t, 0, cat, magnitude(d, cat), cat)
			run := 0
			for k := 1; k < 64; k++ {
				if c[k] == 0 {
					run++
					continue
				}
				for run > 15 {
					emit(t, 1, 0xf0, 0, 0)
					run -= 16
				}
				cat := category(c[k])
				emit(t, 1, uint8(run<<4)|cat, magnitude(c[k], cat), cat)
				run = 0
			}
			if run > 0 {
				emit(t, 1, 0, 0, 0)
			}
		})
	}
	var freq [2][2]map[uint8]int
	for t := range freq {
		for c := range freq[t] {
			freq[t][c] = map[uint8]int{}
		}
	}
	for _, s := range scans {
		symbols(s, func(t, c int, sym uint8, _ uint32, _ uint8) { freq[t][c][sym]++ }, nil)
	}
	var out bytes.Buffer
	seg := func(m byte, body []byte) {
		out.Write([]byte{0xff, m, byte((len(body) + 2) >> 8), byte(len(body) + 2)})
		out.Write(body)
	}
	out.Write([]byte{0xff, mSOI})
	seg(mAPP0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	seg(0xfe, []byte("jpegscale test encoder"))
	ntab := min(ncomp, 2)
	for t := range ntab {
		body := []byte{byte(t)}
		for k := range 64 {
			body = append(body, byte(quant[t][zigzag[k]]))
		}
		seg(mDQT, body)
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(ncomp)}
	for i := range ncomp {
		sof = append(sof, byte(i+1), byte(o.h[i]<<4|o.v[i]), byte(planes[i].tq))
	}
	seg(mSOF0, sof)
	var codes [2][2]map[uint8]code
	for t := range ntab {
		for c := range 2 {
			counts, vals, cs := huffTable(freq[t][c])
			codes[t][c] = cs
			seg(mDHT, append(append([]byte{byte(c<<4 | t)}, counts[:]...), vals...))
		}
	}
	if o.restart > 0 {
		seg(mDRI, []byte{byte(o.restart >> 8), byte(o.restart)})
	}
	for _, s := range scans {
		sos := []byte{byte(len(s.comps))}
		for _, i := range s.comps {
			sos = append(sos, byte(i+1), byte(planes[i].tq<<4|planes[i].tq))
		}
		seg(mSOS, append(sos, 0, 63, 0))
		var bw bitWriter
		rst := 0
		symbols(s, func(t, c int, sym uint8, extra uint32, n uint8) {
			cd := codes[t][c][sym]
			bw.put(cd.bits, cd.n)
			bw.put(extra, uint(n))
		}, func(int) {
			bw.flush()
			bw.buf.Write([]byte{0xff, mRST0 + byte(rst)})
			rst = (rst + 1) & 7
		})
		bw.flush()
		out.Write(bw.buf.Bytes())
	}
	out.Write([]byte{0xff, mEOI})
	return out.Bytes()
}
