package inscount

import "testing"

func TestClass(t *testing.T) {
	for key, want := range map[string]string{
		"ld1.v4": "load", "st1.v1": "store", "ldr": "load", "fcvtl.v": "valu", "smull.v": "vmul", "smlal2.v": "vmul",
		"sadalp.v": "vpadal", "b.ne": "branch", "cbnz": "branch", "fadd": "fp", "scvtf": "fp", "madd": "imul",
		"smull": "imul", "add": "int", "eor.v": "valu", "eor": "int",
		"sdot": "dot", "udot": "dot", // decoded by the counter (quant/internal/kernel/inscount)
		"?4e540e00": "valu", // FMLA V0.8H, V16.8H, V20.8H (FEAT_FP16)
		"?4e9c9600": "dot",  // SDOT V0.4S, V16.16B, V28.16B
		"?d503201f": "int",  // NOP
		"?zz":       "int",  // not hex
	} {
		if got, _ := Class(key); got != want {
			t.Errorf("Class(%q) = %q, want %q", key, got, want)
		}
	}
	for key, want := range map[string]float64{"ld1.v4": 4, "st1.v2": 2, "ld1.v": 1, "ld1.vx": 1, "add.v": 1, "smull.v": 1} {
		if _, regs := Class(key); regs != want {
			t.Errorf("%s moves %v registers, want %v", key, regs, want)
		}
	}
}

func TestDotWord(t *testing.T) {
	for _, tc := range []struct {
		w             uint32
		dot, unsigned bool
	}{
		{0x4e9c9600, true, false}, // SDOT V0.4S, V16.16B, V28.16B
		{0x6e9c9600, true, true},  // UDOT V0.4S, V16.16B, V28.16B
		{0x4f9ce200, true, false}, // SDOT V0.4S, V16.16B, V28.4B[0]
		{0x4e540e00, false, false},
		{0xd503201f, false, false},
	} {
		if dot, u := DotWord(tc.w); dot != tc.dot || u != tc.unsigned {
			t.Errorf("%08x: dot %v unsigned %v, want %v %v", tc.w, dot, u, tc.dot, tc.unsigned)
		}
	}
}

// The issue bound on each core, from the pipe facts in core.go: each case
// names the group that must set it.
func TestCycles(t *testing.T) {
	for _, tc := range []struct {
		mix   map[string]float64
		want  [2]float64 // Cortex-A72, Cortex-A76
		bound [2]string
	}{
		// 8 loads of 4 Q registers: 32 cycles of the A72's one load pipe,
		// 16 of the A76's two.
		{map[string]float64{"ld1.v4": 8}, [2]float64{32, 16}, [2]string{"L", "L"}},
		// SADALP: one every two cycles on the A72's F1, one a cycle on the
		// A76's V1.
		{map[string]float64{"sadalp.v": 10}, [2]float64{20, 10}, [2]string{"F1", "V1"}},
		// Long multiplies on F0 / V0 only, even with other ASIMD work that
		// fits the other pipe.
		{map[string]float64{"smull.v": 6, "add.v": 4}, [2]float64{6, 6}, [2]string{"F0", "V0"}},
		// SDOT on either SIMD pipe.
		{map[string]float64{"sdot": 12}, [2]float64{6, 6}, [2]string{"F", "V"}},
		// Scalar multiplies on the one M pipe.
		{map[string]float64{"madd": 3}, [2]float64{3, 3}, [2]string{"M", "M"}},
		// A balanced mix is bound by the decode width.
		{map[string]float64{"add": 2, "fadd": 2, "ldr": 1, "str": 1, "b": 1}, [2]float64{7.0 / 3, 7.0 / 4}, [2]string{"decode", "decode"}},
	} {
		for i, c := range Cores() {
			if got, bound := c.Cycles(tc.mix); got != tc.want[i] || bound != tc.bound[i] {
				t.Errorf("%s, %v: %v cycles bound by %s, want %v by %s", c.Name, tc.mix, got, bound, tc.want[i], tc.bound[i])
			}
		}
	}
}

func TestCoreFor(t *testing.T) {
	for _, c := range Cores() {
		got, ok := CoreFor(c.QEMU)
		if !ok || got.Name != c.Name {
			t.Errorf("CoreFor(%q) = %q, %v", c.QEMU, got.Name, ok)
		}
		for class := range c.slots {
			for g := range c.slots[class] {
				if c.caps[g] <= 0 {
					t.Errorf("%s: class %s uses pipe group %s, which has no issue rate", c.Name, class, g)
				}
			}
		}
	}
	if _, ok := CoreFor("max"); ok {
		t.Error("qemu's max CPU is no board's core")
	}
	if a72, _ := CoreFor("cortex-a72"); a72.DotProd {
		t.Error("Cortex-A72 (ARMv8.0) has no dot product")
	}
}
