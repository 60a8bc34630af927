package quant

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/edgecache/edgecache/model"
)

// ReadFile reads a model file written by WriteTo; errors name the file.
func ReadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err)
	}
	defer f.Close()
	m, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Read reads a model written by WriteTo, consuming exactly its bytes (so it
// can read a section of a longer stream). A file that is truncated, corrupt,
// of another version or inconsistent with its own architecture is an error
// saying which.
func Read(r io.Reader) (*Model, error) {
	head := make([]byte, 20)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("quant: reading header: %w", truncated(err))
	}
	if string(head[:8]) != formatMagic {
		return nil, fmt.Errorf("quant: not an int8 model (magic %q, want %q)", head[:8], formatMagic)
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != formatVersion {
		return nil, fmt.Errorf("quant: format version %d, this build reads version %d", v, formatVersion)
	}
	n := binary.LittleEndian.Uint64(head[12:])
	if n > maxPayload {
		return nil, fmt.Errorf("quant: payload of %d bytes exceeds the %d-byte limit", n, maxPayload)
	}
	// Grow the buffer as bytes arrive rather than trusting n up front.
	var buf bytes.Buffer
	if got, err := io.Copy(&buf, io.LimitReader(r, int64(n)+4)); err != nil {
		return nil, fmt.Errorf("quant: reading payload: %w", err)
	} else if got != int64(n)+4 {
		return nil, fmt.Errorf("quant: truncated file: payload and checksum need %d bytes, found %d", n+4, got)
	}
	payload := buf.Bytes()[:n]
	want := binary.LittleEndian.Uint32(buf.Bytes()[n:])
	if got := crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, payload); got != want {
		return nil, fmt.Errorf("quant: checksum mismatch (file says %08x, contents give %08x): the file is corrupt", want, got)
	}
	d := &decoder{b: payload}
	m, err := d.model()
	if err == nil && d.err == nil && d.off != len(d.b) {
		err = fmt.Errorf("quant: %d unexpected bytes after the model", len(d.b)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated file: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// decoder reads the payload with bounds checks; the first failure sticks
// and every later read returns zeros.
type decoder struct {
	b   []byte
	off int
	err error
	at  string // what is being read, for errors
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = fmt.Errorf("quant: payload ends inside %s (needs %d bytes at offset %d of %d)", d.at, n, d.off, len(d.b))
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *decoder) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) f32() float32 { return math.Float32frombits(d.u32()) }

// count reads a list length, refusing one longer than the bytes left could
// hold at size bytes per item.
func (d *decoder) count(size int) int {
	n := d.u32()
	if d.err == nil && uint64(n)*uint64(size) > uint64(len(d.b)-d.off) {
		d.err = fmt.Errorf("quant: %s claims %d items, more than the payload holds", d.at, n)
		return 0
	}
	return int(n)
}

func (d *decoder) str() string { return string(d.take(d.count(1))) }

func (d *decoder) f32s() []float32 {
	v := make([]float32, d.count(4))
	for i := range v {
		v[i] = d.f32()
	}
	return v
}

func (d *decoder) i8s(n int) []int8 {
	p := d.take(n)
	if p == nil {
		return nil
	}
	v := make([]int8, n)
	for i, b := range p {
		v[i] = int8(b)
	}
	return v
}

func (d *decoder) i32s(n int) []int32 {
	if d.err != nil || n*4 > len(d.b)-d.off {
		d.take(n * 4)
		return nil
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(d.u32())
	}
	return v
}

func (d *decoder) params() Params { return Params{Scale: d.f32(), Zero: d.u8()} }

func (d *decoder) mult() (int32, int8) { return int32(d.u32()), int8(d.u8()) }

func (d *decoder) bool() bool {
	v := d.u8()
	if v > 1 && d.err == nil {
		d.err = fmt.Errorf("quant: %s: flag byte %d, want 0 or 1", d.at, v)
	}
	return v == 1
}

func (d *decoder) model() (*Model, error) {
	d.at = "header"
	name := d.str()
	labels := make([]string, d.count(4))
	for i := range labels {
		labels[i] = d.str()
	}
	d.at = "normalisation"
	norm := model.Norm{Mean: d.f32s(), Std: d.f32s()}
	d.at = "architecture"
	depth, classes := d.u32(), d.u32()
	sc, pad := d.u8(), d.u8()
	if d.err != nil {
		return nil, d.err
	}
	m, err := skeleton(int(min(depth, math.MaxInt32)), int(min(classes, math.MaxInt32)), model.Shortcut(sc), model.Padding(pad))
	if err != nil {
		return nil, err
	}
	m.Name, m.Labels, m.Norm = name, labels, norm
	d.at = "input"
	m.Input = d.params()
	d.conv(&m.Stem, "conv1")
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := blockName(s, b)
			d.conv(&blk.Conv1, p+".conv1")
			d.conv(&blk.Conv2, p+".conv2")
			if blk.Shortcut != nil {
				d.conv(blk.Shortcut, p+".shortcut")
			}
			d.at = p + " add"
			a := &blk.Add
			a.A, a.B, a.Output = d.params(), d.params(), d.params()
			a.MultA, a.ShiftA = d.mult()
			a.MultB, a.ShiftB = d.mult()
			a.MultOut, a.ShiftOut = d.mult()
			if !d.bool() && d.err == nil {
				d.err = fmt.Errorf("quant: %s: the residual add must fuse its ReLU", d.at)
			}
		}
	}
	d.at = "fc"
	fc := &m.FC
	if in, out := d.u32(), d.u32(); d.err == nil && (int64(in) != int64(fc.In) || int64(out) != int64(fc.Out)) {
		d.err = fmt.Errorf("quant: fc is %dx%d, the architecture says %dx%d", out, in, fc.Out, fc.In)
	}
	fc.Input = d.params()
	fc.Weight = d.i8s(fc.Out * fc.In)
	fc.WScale = make([]float32, fc.Out)
	for i := range fc.WScale {
		fc.WScale[i] = d.f32()
	}
	fc.Bias = d.i32s(fc.Out)
	d.at = "tap list"
	nt := d.count(16)
	if d.err == nil && nt != len(m.taps) {
		d.err = fmt.Errorf("quant: %d taps listed, the architecture has %d", nt, len(m.taps))
	}
	for i := 0; i < nt && d.err == nil; i++ {
		t := model.TapInfo{Name: d.str(), C: int(d.u32()), H: int(d.u32()), W: int(d.u32())}
		if d.err == nil && t != m.taps[i] {
			d.err = fmt.Errorf("quant: tap %d is %+v, the architecture says %+v", i, t, m.taps[i])
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := m.prepare(); err != nil {
		return nil, err
	}
	return m, nil
}

// conv reads a convolution into c, whose shape the architecture already set.
func (d *decoder) conv(c *Conv, name string) {
	d.at = name
	var shape [4]uint32
	for i := range shape {
		shape[i] = d.u32()
	}
	relu := d.bool()
	if d.err != nil {
		return
	}
	if want := [4]uint32{uint32(c.Out), uint32(c.In), uint32(c.K), uint32(c.Stride)}; shape != want || relu != c.ReLU {
		d.err = fmt.Errorf("quant: %s is %dx%dx%dx%d stride %d relu %v, the architecture says %dx%dx%dx%d stride %d relu %v",
			name, shape[0], shape[1], shape[2], shape[2], shape[3], relu, c.Out, c.In, c.K, c.K, c.Stride, c.ReLU)
		return
	}
	c.Input, c.Output = d.params(), d.params()
	c.Weight = d.i8s(c.Out * c.In * c.K * c.K)
	c.WScale = make([]float32, c.Out)
	for i := range c.WScale {
		c.WScale[i] = d.f32()
	}
	c.Bias = d.i32s(c.Out)
	c.Mult = d.i32s(c.Out)
	sh := d.i8s(c.Out)
	c.Shift = sh
}
