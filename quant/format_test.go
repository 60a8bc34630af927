package quant

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// smallModel is a quantized ResNet-8 with labels, shortcut B and Keras
// padding when b is set.
func smallModel(tb testing.TB, b bool) *Model {
	tb.Helper()
	// Calibrating is the slow part (seconds under qemu): do it once per kind
	// and hand out fresh copies through the file format.
	if data, ok := smallModels[b]; ok {
		m, err := Read(bytes.NewReader(data))
		if err != nil {
			tb.Fatal(err)
		}
		return m
	}
	m := newSmallModel(tb, b)
	smallModels[b] = encode(tb, m)
	return m
}

var smallModels = map[bool][]byte{}

func newSmallModel(tb testing.TB, b bool) *Model {
	tb.Helper()
	pad := model.PadSymmetric
	if b {
		pad = model.PadKerasSame
	}
	net := testNet(tb, 8, b, pad, 3)
	net.Spec.Labels = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	return quantized(tb, net, MinMax, smoothPixels(2, 5))
}

func encode(tb testing.TB, m *Model) []byte {
	tb.Helper()
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		tb.Fatalf("WriteTo: %d bytes, %v (buffer %d)", n, err, buf.Len())
	}
	return buf.Bytes()
}

// fixCRC recomputes the checksum, so a test can reach the decoder behind it.
func fixCRC(b []byte) {
	if len(b) < 24 {
		return
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
}

func TestRoundTrip(t *testing.T) {
	for _, b := range []bool{false, true} {
		m := smallModel(t, b)
		data := encode(t, m)
		// Read consumes exactly the model: a bundle may follow it.
		r := bytes.NewReader(append(append([]byte(nil), data...), "NEXT"...))
		got, err := Read(r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Len() != 4 {
			t.Errorf("Read left %d bytes, want 4", r.Len())
		}
		for _, pair := range [][2]any{{got.Name, m.Name}, {got.Labels, m.Labels}, {got.Norm, m.Norm}, {got.Input, m.Input},
			{got.Stem, m.Stem}, {got.Stages, m.Stages}, {got.FC, m.FC}, {got.Taps(), m.Taps()}} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Fatalf("shortcut B %v: read %v, wrote %v", b, pair[0], pair[1])
			}
		}
		if again := encode(t, got); !bytes.Equal(again, data) {
			t.Error("writing the read model gives other bytes")
		}
		px := smoothPixels(2, 8)
		r1, _ := m.NewRunner(2, "layer2.0")
		r2, _ := got.NewRunner(2, "layer2.0")
		l1, _ := r1.Run(px, 2)
		l2, _ := r2.Run(px, 2)
		for i := range l1 {
			if math.Float32bits(l1[i]) != math.Float32bits(l2[i]) {
				t.Fatalf("logit %d: %v before writing, %v after", i, l1[i], l2[i])
			}
		}
	}
}

func TestReadRejects(t *testing.T) {
	data := encode(t, smallModel(t, true))
	check := func(name string, b []byte, want string) {
		t.Helper()
		_, err := Read(bytes.NewReader(b))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "quant: ") {
			t.Errorf("%s: got error %v, want one containing %q", name, err, want)
		}
	}
	for _, n := range []int{0, 7, 19, 20, 100, len(data) / 2, len(data) - 1} {
		check("truncated", data[:n], "truncated")
	}
	bad := bytes.Clone(data)
	bad[0] = 'X'
	check("magic", bad, "not an int8 model")
	bad = bytes.Clone(data)
	bad[8] = 9
	check("version", bad, "format version 9")
	bad = bytes.Clone(data)
	bad[len(bad)/2] ^= 0x10
	check("bit flip", bad, "checksum mismatch")
	bad = bytes.Clone(data)
	binary.LittleEndian.PutUint64(bad[12:], 1<<40)
	check("huge length", bad, "exceeds")

	// Behind a valid checksum: values the architecture or the arithmetic
	// cannot take. Offsets come from re-encoding a modified model.
	edit := func(name, want string, f func(m *Model)) {
		t.Helper()
		m := smallModel(t, true)
		f(m)
		check(name, encode(t, m), want)
	}
	edit("depth", "depth 9", func(m *Model) { m.Depth = 9 })
	edit("weight -128", "-128", func(m *Model) { m.Stages[1][0].Conv2.Weight[5] = -128 })
	edit("shift", "out of range", func(m *Model) { m.Stem.Shift[3] = 40 })
	edit("small multiplier", "out of range", func(m *Model) { m.Stem.Mult[0] = 12345 })
	edit("scale", "scale", func(m *Model) { m.Stages[2][0].Conv1.Output.Scale = float32(math.NaN()) })
	edit("chain", "do not chain", func(m *Model) { m.Stages[0][0].Add.B.Zero++ })
	edit("labels", "labels", func(m *Model) { m.Labels = m.Labels[:3] })
	edit("norm", "normalisation", func(m *Model) { m.Norm.Std = m.Norm.Std[:2] })
	edit("add multiplier", "multipliers", func(m *Model) { m.Stages[0][0].Add.ShiftOut = 2 })
	edit("fc", "fc is", func(m *Model) { m.FC.In = 63 })
	edit("tap list", "tap 3", func(m *Model) { m.taps[3].Name = "x" })

	// Trailing bytes inside the checksummed payload.
	bad = bytes.Clone(data[:len(data)-4])
	bad = append(bad, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint64(bad[12:], binary.LittleEndian.Uint64(bad[12:])+1)
	fixCRC(bad)
	check("trailing", bad, "unexpected bytes")
}

// FuzzRead feeds Read arbitrary bytes, and the same bytes with a repaired
// checksum so that mutations reach the decoder behind it. Read must return
// a model or an error, never panic; a model it returns must run.
func FuzzRead(f *testing.F) {
	for _, b := range []bool{false, true} {
		data := encode(f, smallModel(f, b))
		f.Add(data)
		f.Add(data[:len(data)/3])
	}
	f.Add([]byte(formatMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		for pass := range 2 {
			if pass == 1 {
				data = bytes.Clone(data)
				fixCRC(data)
			}
			m, err := Read(bytes.NewReader(data))
			if err != nil {
				if !strings.HasPrefix(err.Error(), "quant: ") {
					t.Fatalf("error without package prefix: %v", err)
				}
				continue
			}
			r, err := m.NewRunner(1, "pool")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Run(make([]float32, model.InputLen), 1); err != nil {
				t.Fatal(err)
			}
		}
	})
}
