package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The normalisation file stores a Norm (per channel or per pixel) so that the
// statistics a model was trained with travel with it. Layout, little-endian:
//
//	magic   "ECNORM\r\n" (8 bytes; the CR LF catches text-mode mangling)
//	version uint32 = 1
//	count   uint32: values per array, 3 (per channel) or InputLen (per pixel, CHW)
//	mean    count float32
//	std     count float32
//	crc     uint32: CRC-32 (IEEE) of everything before it
const (
	normMagic   = "ECNORM\r\n"
	normVersion = 1
	normHeader  = len(normMagic) + 8
)

// WriteNorm writes n in the normalisation file format.
func WriteNorm(w io.Writer, n Norm) error {
	if err := n.validate(); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(normMagic)
	binary.Write(&b, binary.LittleEndian, [2]uint32{normVersion, uint32(len(n.Mean))})
	binary.Write(&b, binary.LittleEndian, n.Mean)
	binary.Write(&b, binary.LittleEndian, n.Std)
	binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("model: write normalisation: %w", err)
	}
	return nil
}

// ReadNorm reads a normalisation file, checking its magic, version, size and
// checksum, and that every std is positive and every value finite.
func ReadNorm(r io.Reader) (Norm, error) {
	max := normHeader + 2*4*InputLen + 4
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return Norm{}, fmt.Errorf("model: read normalisation: %w", err)
	}
	if len(b) < normHeader || string(b[:len(normMagic)]) != normMagic {
		return Norm{}, errors.New("model: not a normalisation file (bad magic)")
	}
	version := binary.LittleEndian.Uint32(b[len(normMagic):])
	count := binary.LittleEndian.Uint32(b[len(normMagic)+4:])
	if version != normVersion {
		return Norm{}, fmt.Errorf("model: normalisation file version %d, this reader knows %d", version, normVersion)
	}
	if count != InputChannels && count != InputLen {
		return Norm{}, fmt.Errorf("model: normalisation file holds %d values per array, want %d or %d", count, InputChannels, InputLen)
	}
	want := normHeader + 8*int(count) + 4
	if len(b) != want {
		return Norm{}, fmt.Errorf("model: normalisation file is %d bytes, want %d for %d values (truncated or trailing data)", len(b), want, count)
	}
	body := b[:want-4]
	if got, sum := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(b[want-4:]); got != sum {
		return Norm{}, fmt.Errorf("model: normalisation file checksum %#08x, stored %#08x (corrupt)", got, sum)
	}
	n := Norm{Mean: make([]float32, count), Std: make([]float32, count)}
	vals := body[normHeader:]
	for i := range n.Mean {
		n.Mean[i] = math.Float32frombits(binary.LittleEndian.Uint32(vals[4*i:]))
		n.Std[i] = math.Float32frombits(binary.LittleEndian.Uint32(vals[4*(int(count)+i):]))
		if f := float64(n.Mean[i]); math.IsNaN(f) || math.IsInf(f, 0) || math.IsInf(float64(n.Std[i]), 0) {
			return Norm{}, fmt.Errorf("model: normalisation value %d is not finite", i)
		}
	}
	if err := n.validate(); err != nil {
		return Norm{}, err
	}
	return n, nil
}
