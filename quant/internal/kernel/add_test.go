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

// TestAddEdges runs every byte pair through Add for the shifts where the
// assembly's rounding changes form (0: no rounding term; 1; 31) and the
// edge multipliers (0, exactly 2^30, the largest), on inputs and output.
func TestAddEdges(t *testing.T) {
	x, y := make([]uint8, 65536), make([]uint8, 65536)
	for i := range 65536 {
		x[i], y[i] = uint8(i), uint8(i>>8)
	}
	dst := make([]uint8, 65536)
	mults := []int32{0, 1 << 30, 1<<30 + 1, math.MaxInt32}
	shifts := []int8{0, -1, -31, -20}
	n := 0
	for _, m := range mults {
		for _, s := range shifts {
			// Sides 3 and 4 are 0 and 1 with an output multiplier that
			// keeps every unit of the rescaled input visible (shift -1):
			// with the output at shift -19, an input rounded one unit off
			// (as shift -31's rounding term once was) hardly ever shows.
			for side := range 5 {
				ma, sa, mb, sb, mo, so := int32(1518500250), int8(-1), int32(1<<30+12345), int8(-2), int32(1<<30+777), int8(-19)
				switch side {
				case 0:
					ma, sa = m, s
				case 1:
					mb, sb = m, s
				case 2:
					mo, so = m, s
				case 3:
					ma, sa, mo, so = m, s, math.MaxInt32-1, -1
				case 4:
					mb, sb, mo, so = m, s, math.MaxInt32-1, -1
				}
				za, zb, zo, lo := uint8(n*37), uint8(n*101+3), uint8(n*59+7), uint8(0)
				if n%2 == 1 {
					lo = zo
				}
				n++
				a, err := NewAdd(za, zb, ma, sa, mb, sb, mo, so, zo, lo)
				if err != nil {
					t.Fatal(err)
				}
				a.Run(dst, x, y)
				for i := range dst {
					if want := tfliteAdd(x[i], y[i], za, zb, ma, sa, mb, sb, mo, so, zo, lo); dst[i] != want {
						t.Fatalf("mults %d %d %d shifts %d %d %d zeros %d %d %d lo %d: x %d y %d gives %d, want %d",
							ma, mb, mo, sa, sb, so, za, zb, zo, lo, x[i], y[i], dst[i], want)
					}
				}
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
