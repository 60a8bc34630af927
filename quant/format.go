package quant

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
)

// The file format of a Model, one section of the device bundle:
//
//	magic    8 bytes "EDGEQ8\x00\x01"
//	version  uint32  (formatVersion)
//	length   uint64  payload bytes
//	payload  length bytes
//	crc      uint32  CRC-32C (Castagnoli) of everything before it
//
// All integers little-endian; float32 as IEEE-754 bits; strings and lists a
// uint32 count, then the items. The payload, in order:
//
//	name string; labels []string; norm mean []float32, std []float32
//	depth, classes uint32; shortcut, padding uint8
//	input Params (scale float32, zero uint8)
//	conv1; per block in order: conv1, conv2, the shortcut conv if any, add
//	fc; taps []{name string; c, h, w uint32}
//
// conv: out, in, k, stride uint32; relu uint8; input, output Params;
// weight [out*in*k*k]int8 (OIHW); wscale [out]float32; bias [out]int32;
// mult [out]int32; shift [out]int8.
// add: a, b, output Params; multA int32, shiftA int8, multB, shiftB,
// multOut, shiftOut; relu uint8.
// fc: in, out uint32; input Params; weight [out*in]int8; wscale [out]float32;
// bias [out]int32.
//
// Everything the integer pass needs is stored, multipliers included, so a
// device runs the file without recomputing anything in floating point; the
// tap list lets a reader check that the file means what it thinks.
const (
	formatMagic   = "EDGEQ8\x00\x01"
	formatVersion = 1
	// maxPayload bounds what Read will take: a ResNet-1202 for 100,000
	// classes is under 30 MB.
	maxPayload = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the model in the format above; it implements io.WriterTo.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var e encoder
	e.str(m.Name)
	e.u32(uint32(len(m.Labels)))
	for _, l := range m.Labels {
		e.str(l)
	}
	e.f32s(m.Norm.Mean)
	e.f32s(m.Norm.Std)
	e.u32(uint32(m.Depth))
	e.u32(uint32(m.Classes))
	e.u8(uint8(m.Shortcut))
	e.u8(uint8(m.Padding))
	e.params(m.Input)
	e.conv(&m.Stem)
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			e.conv(&blk.Conv1)
			e.conv(&blk.Conv2)
			if blk.Shortcut != nil {
				e.conv(blk.Shortcut)
			}
			a := &blk.Add
			e.params(a.A)
			e.params(a.B)
			e.params(a.Output)
			e.mult(a.MultA, a.ShiftA)
			e.mult(a.MultB, a.ShiftB)
			e.mult(a.MultOut, a.ShiftOut)
			e.bool(a.ReLU)
		}
	}
	d := &m.FC
	e.u32(uint32(d.In))
	e.u32(uint32(d.Out))
	e.params(d.Input)
	e.i8s(d.Weight)
	for _, v := range d.WScale {
		e.f32(v)
	}
	for _, v := range d.Bias {
		e.u32(uint32(v))
	}
	e.u32(uint32(len(m.taps)))
	for _, t := range m.taps {
		e.str(t.Name)
		e.u32(uint32(t.C))
		e.u32(uint32(t.H))
		e.u32(uint32(t.W))
	}

	head := make([]byte, 0, 20)
	head = append(head, formatMagic...)
	head = binary.LittleEndian.AppendUint32(head, formatVersion)
	head = binary.LittleEndian.AppendUint64(head, uint64(len(e.b)))
	crc := crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, e.b)
	var n int64
	for _, part := range [][]byte{head, e.b, binary.LittleEndian.AppendUint32(nil, crc)} {
		k, err := w.Write(part)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) f32(v float32) {
	e.u32(math.Float32bits(v))
}
func (e *encoder) bool(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}
func (e *encoder) str(s string) { e.u32(uint32(len(s))); e.b = append(e.b, s...) }
func (e *encoder) f32s(v []float32) {
	e.u32(uint32(len(v)))
	for _, x := range v {
		e.f32(x)
	}
}
func (e *encoder) i8s(v []int8) {
	for _, x := range v {
		e.b = append(e.b, uint8(x))
	}
}
func (e *encoder) params(p Params) { e.f32(p.Scale); e.u8(p.Zero) }
func (e *encoder) mult(m int32, s int8) {
	e.u32(uint32(m))
	e.u8(uint8(s))
}

func (e *encoder) conv(c *Conv) {
	for _, v := range []int{c.Out, c.In, c.K, c.Stride} {
		e.u32(uint32(v))
	}
	e.bool(c.ReLU)
	e.params(c.Input)
	e.params(c.Output)
	e.i8s(c.Weight)
	for _, v := range c.WScale {
		e.f32(v)
	}
	for _, v := range c.Bias {
		e.u32(uint32(v))
	}
	for _, v := range c.Mult {
		e.u32(uint32(v))
	}
	for _, v := range c.Shift {
		e.u8(uint8(v))
	}
}
