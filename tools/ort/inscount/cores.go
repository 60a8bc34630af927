package main

import (
	"strconv"
	"strings"
)

// A core is an issue-rate model of one Cortex CPU: pipe groups, how many
// instructions each accepts per cycle, and which group each instruction
// class uses. A stage's cycles are its busiest group's slots over that
// group's rate, or its instructions over the decode width, whichever is
// larger: the instruction mix's issue bound. It leaves out dependency
// stalls, branch mispredictions and cache misses, so it is a lower bound on
// cycles (an upper bound on frames per second), stated as such wherever it
// is printed. quant/internal/kernel/inscount uses the same pipe facts for
// the GEMMs alone.
type core struct {
	name, board string
	qemu        string  // qemu -cpu model
	ghz         float64 // the board's clock
	decode      float64 // instructions decoded per cycle
	caps        map[string]float64
	uses        func(class string, regs float64) map[string]float64
}

// insnClass sorts a histogram key of tools/ort/qemu/inscount.c (mnemonic,
// ".v" for a SIMD operand, ".vN" for a load or store of N vector registers,
// "?hex" for an encoding qemu 7.2's disassembler does not know) into the
// classes the pipe models know, with the registers a load or store moves.
func insnClass(key string) (class string, regs float64) {
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

// undecoded classes the encodings qemu 7.2's disassembler prints as
// unknown: the dot product (Arm ARM C7.2 SDOT/UDOT, vector
// 0 Q U 01110 10 0 Rm 100101 Rn Rd; by element 0 Q U 01111 10 L M Rm 1110 H 0 Rn Rd)
// and FEAT_FP16's half-precision SIMD arithmetic (Arm ARM C4.1, "Advanced
// SIMD three same (FP16)": 0 Q U 01110 x 1 0 Rm 00 opcode 1 Rn Rd, and by
// element with size 00), all on the SIMD pipes.
func undecoded(hex string) string {
	w, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return "int"
	}
	switch {
	case w&0x9FE0FC00 == 0x0E809400, w&0x9FC0F400 == 0x0F80E000:
		return "dot"
	case w&0x9F60C400 == 0x0E400400, w&0x9FC00400 == 0x0F000000:
		return "valu"
	}
	return "int"
}

// cores: Pi 4 (BCM2711, Cortex-A72 at 1.5 GHz; 1.8 GHz on boards from 2020
// with newer firmware) and Pi 5 (BCM2712, Cortex-A76 at 2.4 GHz), from the
// Raspberry Pi product briefs.
var cores = []core{
	{
		// Cortex-A72 Software Optimization Guide (ARM UAN 0016A): section 2,
		// 3-wide decode; two single-cycle integer pipes (I0/I1), one
		// multi-cycle integer pipe (M), one branch pipe, one load (L) and one
		// store (S) pipe, two FP/ASIMD pipes (F0/F1). Section 3: ASIMD
		// integer multiply(-accumulate) long on F0 only; SADALP on F1 only,
		// one every two cycles; other ASIMD and FP on F0 or F1; an LD1 of n
		// Q registers takes n cycles of the load pipe.
		name: "Cortex-A72", board: "Pi 4", qemu: "cortex-a72", ghz: 1.5, decode: 3,
		caps: map[string]float64{"F0": 1, "F1": 1, "F": 2, "L": 1, "S": 1, "I": 2, "M": 1, "B": 1},
		uses: func(c string, n float64) map[string]float64 {
			switch c {
			case "vmul":
				return map[string]float64{"F0": 1, "F": 1}
			case "vpadal":
				return map[string]float64{"F1": 2, "F": 2}
			case "valu", "dot", "fp":
				return map[string]float64{"F": 1}
			case "load":
				return map[string]float64{"L": n}
			case "store":
				return map[string]float64{"S": n}
			case "branch":
				return map[string]float64{"B": 1}
			case "imul":
				return map[string]float64{"M": 1}
			}
			return map[string]float64{"I": 1}
		},
	},
	{
		// Cortex-A76 Software Optimization Guide (PJDOC-466751330-7215
		// v8.0): section 2, 4-wide decode; three integer pipes (I0, I1 and
		// the multi-cycle M, which also takes single-cycle work), one branch
		// pipe, two load/store pipes, two FP/ASIMD pipes (V0/V1). Section 3:
		// SDOT on V0 or V1; integer multiply(-accumulate) long on V0 only;
		// SADALP on V1 only; other ASIMD and FP, FP16 arithmetic included,
		// on V0 or V1; an LD1 of n Q registers takes n/2 cycles.
		name: "Cortex-A76", board: "Pi 5", qemu: "cortex-a76", ghz: 2.4, decode: 4,
		caps: map[string]float64{"V0": 1, "V1": 1, "V": 2, "L": 2, "S": 1, "I": 3, "M": 1, "B": 1},
		uses: func(c string, n float64) map[string]float64 {
			switch c {
			case "vmul":
				return map[string]float64{"V0": 1, "V": 1}
			case "vpadal":
				return map[string]float64{"V1": 1, "V": 1}
			case "valu", "dot", "fp":
				return map[string]float64{"V": 1}
			case "load":
				return map[string]float64{"L": n}
			case "store":
				return map[string]float64{"S": n}
			case "branch":
				return map[string]float64{"B": 1}
			case "imul":
				return map[string]float64{"M": 1, "I": 1}
			}
			return map[string]float64{"I": 1}
		},
	},
}

// cycles is the issue bound of an instruction mix (key -> count) and the
// group that sets it.
func (c core) cycles(mix map[string]float64) (float64, string) {
	slots := map[string]float64{}
	total := 0.0
	for key, n := range mix {
		total += n
		cl, regs := insnClass(key)
		for g, s := range c.uses(cl, regs) {
			slots[g] += n * s
		}
	}
	best, bound := total/c.decode, "decode"
	for g, s := range slots {
		if cyc := s / c.caps[g]; cyc > best {
			best, bound = cyc, g
		}
	}
	return best, bound
}

func coreFor(qemuCPU string) (core, bool) {
	for _, c := range cores {
		if c.qemu == qemuCPU {
			return c, true
		}
	}
	return core{}, false
}
