package cache

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"strings"
	"testing"
)

// craftFile writes a current-version cache file by hand, field by field as
// the format comment in file.go lays it out, for shapes the writer would
// never produce: taps as given, no projection, dim and count as given, then
// body (keys, labels and the weighted flag) and a valid checksum.
func craftFile(taps []TapSpec, dim uint32, count uint64, body []byte) []byte {
	le := binary.LittleEndian
	b := []byte(fileMagic)
	b = le.AppendUint32(b, fileVersion)
	b = le.AppendUint32(b, 10) // classes
	b = le.AppendUint64(b, count)
	b = le.AppendUint32(b, dim)
	for _, v := range []float32{50, 0.5, 50} { // theta, lambda, CacheOnly theta
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	b = le.AppendUint32(b, uint32(len(taps)))
	for _, t := range taps {
		b = le.AppendUint16(b, uint16(len(t.Name)))
		b = append(b, t.Name...)
		b = le.AppendUint32(b, uint32(t.C))
		b = le.AppendUint32(b, uint32(t.H))
		b = le.AppendUint32(b, uint32(t.W))
		b = append(b, byte(t.Pool))
	}
	b = append(b, 0) // no projection
	b = append(b, body...)
	return le.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// badShapeFiles are cache files whose tap shapes multiply past int on a
// 32-bit board (armv6, armv7): 65536x65536x1 wraps to 0 there, and 256 taps
// of 2^24 values sum to 2^32, which wraps to 0 too. The old checks accepted
// them on those boards as keys of length 0, and later code divided by it.
// One item with label 0 follows, no key values (dim 0).
func badShapeFiles() map[string][]byte {
	item := []byte{0, 0, 0} // label 0, not weighted
	many := make([]TapSpec, 256)
	for i := range many {
		many[i] = TapSpec{Name: string(rune('a'+i/26)) + string(rune('a'+i%26)), C: 1 << 24, H: 1, W: 1}
	}
	return map[string][]byte{
		"65536x65536x1":           craftFile([]TapSpec{{Name: "t", C: 1 << 16, H: 1 << 16, W: 1}}, 0, 1, item),
		"4096x4096x4096":          craftFile([]TapSpec{{Name: "t", C: 1 << 12, H: 1 << 12, W: 1 << 12}}, 0, 1, item),
		"256 taps of 2^24 values": craftFile(many, 0, 1, item),
	}
}

func TestFileTapOverflow(t *testing.T) {
	want := map[string]string{
		"65536x65536x1":           `tap "t" has shape 65536x65536x1`,
		"4096x4096x4096":          `tap "t" has shape 4096x4096x4096`,
		"256 taps of 2^24 values": "too long (at most 16777216)",
	}
	for name, b := range badShapeFiles() {
		c, err := Read(bytes.NewReader(b))
		if err == nil {
			t.Errorf("%s: read as a cache of %d-value keys", name, c.Dim())
			continue
		}
		if !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: error %q, want one containing %q", name, err, want[name])
		}
	}
	// The same shapes given to New directly.
	for _, taps := range [][]TapSpec{
		{{Name: "t", C: 1 << 16, H: 1 << 16, W: 1}},
		{{Name: "t", C: 1, H: 1 << 16, W: 1 << 16}},
		{{Name: "t", C: math.MaxInt32, H: math.MaxInt32, W: 2}},
	} {
		if _, err := New(Spec{Taps: taps}, 10); err == nil {
			t.Errorf("New accepted %v", taps)
		}
	}
	// The largest allowed tap still passes.
	if err := (Spec{Taps: []TapSpec{{Name: "t", C: 1 << 8, H: 1 << 8, W: 1 << 8}}}).Validate(); err != nil {
		t.Errorf("a tap of 2^24 values: %v", err)
	}
}
