package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"
	"unicode/utf8"

	"github.com/x448/float16"

	"github.com/edgecache/edgecache/cache"
)

// Record is one taught example.
type Record struct {
	// Class is the example's class index in the cache. It may be past the
	// network's classes: a class the user named at run time.
	Class int
	// Name is the class name (1 to MaxName bytes of UTF-8).
	Name string
	// Weight is how many items the example counts as in the cache's sums,
	// 1 to cache.MaxWeight; Append takes 0 as 1.
	Weight int
	// Time is when the example was taught (the zero Time: unknown).
	Time time.Time
	// Key is the example's cache key, Dim values. It is stored as fp16, as
	// the cache stores it, so a replayed key is exactly the item the cache
	// held; values beyond fp16's range (65504) or not finite are refused.
	Key []float32
}

const (
	// MaxName is the longest class name in bytes.
	MaxName = 255
	// MaxDim is the longest key: 16 times the paper's full 12,288-value
	// keys, and small enough that a record's size fits a 32-bit int.
	MaxDim = 1 << 18

	frameSize   = 8             // length and crc
	recordFixed = 2 + 2 + 8 + 1 // class, weight, time, nameLen
	maxFP16     = 65504         // fp16's largest finite value
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errRecord marks a record that is whole but whose fields are invalid.
var errRecord = errors.New("journal: invalid record")

// payloadBounds are the smallest and largest payload a log of key length dim
// can hold; both fit an int on 32-bit boards because dim <= MaxDim.
func payloadBounds(dim int) (lo, hi int) {
	return recordFixed + 1 + 2*dim, recordFixed + MaxName + 2*dim
}

// appendRecord appends r's framed bytes to b, checking every field first.
func appendRecord(b []byte, r *Record, dim int) ([]byte, error) {
	if r.Class < 0 || r.Class >= cache.MaxClasses {
		return b, fmt.Errorf("journal: class %d outside 0..%d", r.Class, cache.MaxClasses-1)
	}
	w := r.Weight
	if w == 0 {
		w = 1
	}
	if w < 1 || w > cache.MaxWeight {
		return b, fmt.Errorf("journal: weight %d outside 1..%d", r.Weight, cache.MaxWeight)
	}
	if err := checkName(r.Name); err != nil {
		return b, err
	}
	if len(r.Key) != dim {
		return b, fmt.Errorf("journal: key of %d values, the log holds keys of %d", len(r.Key), dim)
	}
	for i, v := range r.Key {
		if math.IsNaN(float64(v)) || math.Abs(float64(v)) > maxFP16 {
			return b, fmt.Errorf("journal: key value %d is %v (fp16 cannot hold it)", i, v)
		}
	}
	var ns int64
	if !r.Time.IsZero() {
		ns = r.Time.UnixNano()
	}
	n := recordFixed + len(r.Name) + 2*dim
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = append(b, 0, 0, 0, 0) // crc, filled in below
	b = binary.LittleEndian.AppendUint16(b, uint16(r.Class))
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint64(b, uint64(ns))
	b = append(b, byte(len(r.Name)))
	b = append(b, r.Name...)
	for _, v := range r.Key {
		b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(v).Bits())
	}
	binary.LittleEndian.PutUint32(b[start+4:], frameCRC(b[start:start+4], b[start+frameSize:]))
	return b, nil
}

func frameCRC(length, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(length, castagnoli), castagnoli, payload)
}

func checkName(name string) error {
	if name == "" || len(name) > MaxName {
		return fmt.Errorf("journal: class name of %d bytes (1 to %d)", len(name), MaxName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("journal: class name %q is not UTF-8", name)
	}
	return nil
}

// decodePayload reads a payload whose checksum has passed.
func decodePayload(p []byte, dim int) (Record, error) {
	var r Record
	if len(p) < recordFixed {
		return r, fmt.Errorf("%w: %d bytes", errRecord, len(p))
	}
	r.Class = int(binary.LittleEndian.Uint16(p))
	r.Weight = int(binary.LittleEndian.Uint16(p[2:]))
	if r.Weight < 1 {
		return r, fmt.Errorf("%w: weight 0", errRecord)
	}
	if ns := int64(binary.LittleEndian.Uint64(p[4:])); ns != 0 {
		r.Time = time.Unix(0, ns)
	}
	nameLen := int(p[12])
	if len(p) != recordFixed+nameLen+2*dim {
		return r, fmt.Errorf("%w: %d bytes for a %d-byte name and %d key values", errRecord, len(p), nameLen, dim)
	}
	r.Name = string(p[recordFixed : recordFixed+nameLen])
	if err := checkName(r.Name); err != nil {
		return r, fmt.Errorf("%w: %v", errRecord, err)
	}
	keys := p[recordFixed+nameLen:]
	r.Key = make([]float32, dim)
	for i := range r.Key {
		h := float16.Frombits(binary.LittleEndian.Uint16(keys[2*i:]))
		if h.IsNaN() || h.IsInf(0) {
			return r, fmt.Errorf("%w: key value %d is not finite", errRecord, i)
		}
		r.Key[i] = h.Float32()
	}
	return r, nil
}
