package kernel

import (
	"math/rand/v2"
	"testing"
)

// FuzzGemm drives every kernel with fuzzer-chosen shapes, strides and values
// (weights from data, clamped to -127..127) and compares with gemmRef.
func FuzzGemm(f *testing.F) {
	f.Add(uint8(16), uint16(144), uint16(17), uint8(3), uint8(5), []byte{0x80, 0x7f, 0xff, 0x00})
	f.Add(uint8(10), uint16(64), uint16(1), uint8(0), uint8(0), []byte{1})
	f.Add(uint8(5), uint16(27), uint16(33), uint8(1), uint8(2), []byte{0xff, 0x81})
	f.Fuzz(func(t *testing.T, m uint8, depth, n uint16, padb, padc uint8, data []byte) {
		mm, dd, nn := 1+int(m)%64, 1+int(depth)%600, 1+int(n)%80
		g := &gemmCase{m: mm, depth: dd, n: nn, ldb: dd + int(padb)%19, ldc: nn + int(padc)%7, boff: int(padb) % 5, coff: int(padc) % 3}
		r := rand.New(rand.NewPCG(uint64(len(data)), 1))
		next := func() byte {
			if len(data) > 0 && r.IntN(2) == 0 {
				return data[r.IntN(len(data))]
			}
			return byte(r.Uint32())
		}
		g.a = make([]int8, mm*dd)
		for i := range g.a {
			g.a[i] = max(int8(next()), -127)
		}
		g.b = make([]uint8, g.boff+(nn-1)*g.ldb+dd)
		for i := range g.b {
			g.b[i] = next()
		}
		for _, k := range kernels(t) {
			g.check(t, k)
		}
	})
}
