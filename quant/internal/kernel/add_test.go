package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tfliteAdd is one value of TFLite's AddElementwise (reference/integer_ops/
// add.h), through the independent tfliteMBQM.
func tfliteAdd(x, y, za, zb uint8, ma int32, sa int8, mb int32, sb int8, mo int32, so int8, zo, lo uint8) uint8 {
	va := tfliteMBQM((int32(x)-int32(za))<<AddLeftShift, ma, sa)
	vb := tfliteMBQM((int32(y)-int32(zb))<<AddLeftShift, mb, sb)
	v := int64(tfliteMBQM(va+vb, mo, so)) + int64(zo)
	return uint8(min(max(v, int64(lo)), 255))
}

// tfliteMBQM is MultiplyByQuantizedMultiplier with a right shift, from
// tfliteRequant's parts.
func tfliteMBQM(x, mult int32, shift int8) int32 {
	var hi int32
	if x == math.MinInt32 && mult == math.MinInt32 {
		hi = math.MaxInt32
	} else {
		ab := int64(x) * int64(mult)
		nudge := int64(1 << 30)
		if ab < 0 {
			nudge = 1 - (1 << 30)
		}
		hi = int32((ab + nudge) / (1 << 31))
	}
	right := int(-shift)
	mask := int32(int64(1)<<right - 1)
	rem, thr := hi&mask, mask>>1
	if hi < 0 {
		thr++
	}
	v := hi >> right
	if rem > thr {
		v++
	}
	return v
}

// TestAdd runs Add (assembly where this CPU has it, then the Go twin for the
// tail) against tfliteAdd on every byte pair for random constants, with odd
// lengths, unaligned offsets and guard bytes after dst.
func TestAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x, y := make([]uint8, 65536+40), make([]uint8, 65536+40)
	for i := range 65536 {
		x[i+3], y[i+3] = uint8(i), uint8(i>>8)
	}
	trials := 60
	if testing.Short() {
		trials = 15
	}
	for trial := range trials {
		randMS := func() (int32, int8) {
			m := edgeMults[r.IntN(len(edgeMults))]
			if r.IntN(2) == 0 {
				m = 1<<30 + int32(r.IntN(1<<30))
			}
			return m, int8(-r.IntN(32))
		}
		ma, sa := randMS()
		mb, sb := randMS()
		mo, so := randMS()
		if trial%3 == 0 {
			// Realistic: inputs at about half scale, output shifted 20 bits back.
			sa, sb, so = -1-int8(r.IntN(3)), -1-int8(r.IntN(3)), -18-int8(r.IntN(3))
		}
		za, zb, zo := uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))
		lo := uint8(0)
		if trial%2 == 0 {
			lo = zo
		}
		a, err := NewAdd(za, zb, ma, sa, mb, sb, mo, so, zo, lo)
		if err != nil {
			t.Fatal(err)
		}
		n := 65536 - r.IntN(20)
		off := r.IntN(4)
		dst := make([]uint8, off+n+8)
		for i := range dst {
			dst[i] = 0xA5
		}
		a.Run(dst[off:off+n], x[3:], y[3:])
		for i := range dst {
			want := uint8(0xA5)
			if i >= off && i < off+n {
				j := i - off
				want = tfliteAdd(x[3+j], y[3+j], za, zb, ma, sa, mb, sb, mo, so, zo, lo)
			}
			if dst[i] != want {
				t.Fatalf("trial %d (mults %d %d %d shifts %d %d %d zeros %d %d %d lo %d) dst[%d] = %d, want %d",
					trial, ma, mb, mo, sa, sb, so, za, zb, zo, lo, i, dst[i], want)
			}
		}
	}
}

func TestNewAddRejects(t *testing.T) {
	if _, err := NewAdd(0, 0, 1<<30, 1, 1<<30, 0, 1<<30, 0, 0, 0); err == nil {
		t.Error("left shift accepted")
	}
	if _, err := NewAdd(0, 0, 5, 0, 1<<30, 0, 1<<30, 0, 0, 0); err == nil {
		t.Error("multiplier below 2^30 accepted")
	}
}
