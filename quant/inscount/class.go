package inscount

import (
	"strconv"
	"strings"
)

// Class sorts an instruction key into the classes the cores' pipe models
// know, with the vector registers a load or store moves (1 for the rest).
//
// A key is the mnemonic qemu's disassembler prints, then ".v" when an
// operand is a SIMD register (qemu prints EOR and ADD the same for both) or
// ".vN" for a load or store of N vector registers; "sdot" and "udot" where
// the counter decoded the dot product itself; or "?hex", an encoding qemu
// 7.2's disassembler does not know (tools/ort/qemu/inscount.c), decoded here.
//
// Classes: "dot", "vmul" (ASIMD multiply(-accumulate) long), "vpadal"
// (pairwise add and accumulate), "valu" (other ASIMD), "load", "store",
// "branch", "fp" (scalar floating point), "imul" (scalar integer multiply
// and divide) and "int".
func Class(key string) (class string, regs float64) {
	if w, ok := strings.CutPrefix(key, "?"); ok {
		return undecoded(w), 1
	}
	m, suffix, vec := strings.Cut(key, ".v")
	regs = 1
	if vec && suffix != "" {
		if n, err := strconv.Atoi(suffix); err == nil {
			regs = float64(n)
		}
	}
	switch {
	case m == "sdot" || m == "udot":
		return "dot", 1
	case vec && (strings.HasPrefix(m, "smull") || strings.HasPrefix(m, "umull") ||
		strings.HasPrefix(m, "smlal") || strings.HasPrefix(m, "umlal") || m == "mul" || m == "mla"):
		return "vmul", 1
	case vec && (m == "sadalp" || m == "uadalp"):
		return "vpadal", 1
	case strings.HasPrefix(m, "ld"):
		return "load", regs
	case strings.HasPrefix(m, "st"):
		return "store", regs
	case vec:
		return "valu", 1
	case m == "b" || strings.HasPrefix(m, "b.") || m == "bl" || m == "br" || m == "blr" || m == "ret" ||
		m == "cbz" || m == "cbnz" || m == "tbz" || m == "tbnz":
		return "branch", 1
	case strings.HasPrefix(m, "f") || m == "scvtf" || m == "ucvtf":
		return "fp", 1 // scalar floating point: the FP/ASIMD pipes
	case m == "mul" || m == "madd" || m == "msub" || m == "smull" || m == "umull" || m == "smulh" ||
		m == "umulh" || m == "sdiv" || m == "udiv" || m == "mneg" || m == "smaddl" || m == "umaddl":
		return "imul", 1
	}
	return "int", 1
}

// DotWord reports whether an instruction word is SDOT or UDOT (Arm ARM
// C7.2, vector: 0 Q U 01110 10 0 Rm 100101 Rn Rd; by element: 0 Q U 01111 10
// L M Rm 1110 H 0 Rn Rd), which qemu 7.2's disassembler does not know, and
// which of the two (U, bit 29).
func DotWord(w uint32) (dot, unsigned bool) {
	dot = w&0x9FE0FC00 == 0x0E809400 || w&0x9FC0F400 == 0x0F80E000
	return dot, dot && w&(1<<29) != 0
}

// undecoded classes the encodings qemu 7.2's disassembler prints as
// unknown: the dot product (DotWord) and FEAT_FP16's half-precision SIMD
// arithmetic (Arm ARM C4.1, "Advanced SIMD three same (FP16)": 0 Q U 01110
// x 1 0 Rm 00 opcode 1 Rn Rd, and by element with size 00), all on the SIMD
// pipes.
func undecoded(hex string) string {
	w, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return "int"
	}
	if dot, _ := DotWord(uint32(w)); dot {
		return "dot"
	}
	if w&0x9F60C400 == 0x0E400400 || w&0x9FC00400 == 0x0F000000 {
		return "valu"
	}
	return "int"
}
