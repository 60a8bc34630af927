// Package inscount turns an arm64 instruction mix, counted under qemu, into
// cycles on the Raspberry Pi's cores: a per-pipe issue model of the
// Cortex-A72 (Pi 4) and Cortex-A76 (Pi 5). Both instruction counters use it:
// quant/internal/kernel/inscount (the int8 GEMMs alone) and tools/ort/inscount
// (the board's whole frame, and ONNX Runtime's).
//
// A mix's cycles are its busiest pipe group's slots over that group's issue
// rate, or its instructions over the decode width, whichever is larger: the
// issue bound. It leaves out dependency stalls, branch mispredictions and
// cache misses, so it is a lower bound on cycles (an upper bound on speed),
// to be stated as such wherever it is printed.
package inscount

// A Core is the issue model of one Cortex CPU: its pipe groups, how many
// instructions each accepts per cycle, and which groups each instruction
// class (Class) occupies.
type Core struct {
	Name    string  // "Cortex-A72"
	Board   string  // the Raspberry Pi it runs: "Pi 4"
	QEMU    string  // its qemu -cpu model
	GHz     float64 // the board's clock
	Decode  float64 // instructions decoded per cycle
	DotProd bool    // has FEAT_DotProd (SDOT, UDOT)
	caps    map[string]float64
	// slots lists, for each instruction class, the pipe groups it occupies
	// and for how many issue slots; a load's or store's slots are per vector
	// register it moves.
	slots map[string]map[string]float64
}

// cores: Pi 4 (BCM2711, Cortex-A72 at 1.5 GHz; 1.8 GHz on boards from 2020
// with newer firmware) and Pi 5 (BCM2712, Cortex-A76 at 2.4 GHz), from the
// Raspberry Pi product briefs.
var cores = [...]Core{
	{
		// Cortex-A72 Software Optimization Guide (ARM UAN 0016A): section 2,
		// 3-wide decode; two single-cycle integer pipes (I0/I1), one
		// multi-cycle integer pipe (M), one branch pipe, one load (L) and one
		// store (S) pipe, two FP/ASIMD pipes (F0/F1). Section 3: ASIMD
		// integer multiply(-accumulate) long on F0 only, one per cycle;
		// SADALP on F1 only, one every two cycles; other ASIMD and FP on F0
		// or F1; an LD1 of n Q registers takes n cycles of the load pipe.
		Name: "Cortex-A72", Board: "Pi 4", QEMU: "cortex-a72", GHz: 1.5, Decode: 3,
		caps: map[string]float64{"F0": 1, "F1": 1, "F": 2, "L": 1, "S": 1, "I": 2, "M": 1, "B": 1},
		slots: map[string]map[string]float64{
			"vmul":   {"F0": 1, "F": 1},
			"vpadal": {"F1": 2, "F": 2},
			"valu":   {"F": 1},
			"dot":    {"F": 1},
			"fp":     {"F": 1},
			"load":   {"L": 1},
			"store":  {"S": 1},
			"branch": {"B": 1},
			"imul":   {"M": 1},
			"int":    {"I": 1},
		},
	},
	{
		// Cortex-A76 Software Optimization Guide (PJDOC-466751330-7215
		// v8.0): section 2, 4-wide decode; three integer pipes (I0, I1 and
		// the multi-cycle M, which also takes single-cycle work), one branch
		// pipe, two load/store pipes, two FP/ASIMD pipes (V0/V1). Section 3:
		// SDOT on V0 or V1, two per cycle; integer multiply(-accumulate)
		// long on V0 only; SADALP on V1 only; other ASIMD and FP, FP16
		// arithmetic included, on V0 or V1; an LD1 of n Q registers takes
		// n/2 cycles.
		Name: "Cortex-A76", Board: "Pi 5", QEMU: "cortex-a76", GHz: 2.4, Decode: 4, DotProd: true,
		caps: map[string]float64{"V0": 1, "V1": 1, "V": 2, "L": 2, "S": 1, "I": 3, "M": 1, "B": 1},
		slots: map[string]map[string]float64{
			"vmul":   {"V0": 1, "V": 1},
			"vpadal": {"V1": 1, "V": 1},
			"valu":   {"V": 1},
			"dot":    {"V": 1},
			"fp":     {"V": 1},
			"load":   {"L": 1},
			"store":  {"S": 1},
			"branch": {"B": 1},
			"imul":   {"M": 1, "I": 1},
			"int":    {"I": 1},
		},
	},
}

// Cores lists the modelled cores, the Pi 4's first.
func Cores() []Core { return cores[:] }

// CoreFor is the core qemu emulates as -cpu qemuCPU, if it is modelled.
func CoreFor(qemuCPU string) (Core, bool) {
	for _, c := range cores {
		if c.QEMU == qemuCPU {
			return c, true
		}
	}
	return Core{}, false
}

// Cycles is the issue bound of an instruction mix (Class key -> count) on c
// and the pipe group that sets it ("decode" when the decode width does).
func (c Core) Cycles(mix map[string]float64) (cycles float64, bound string) {
	slots := map[string]float64{}
	total := 0.0
	for key, n := range mix {
		total += n
		class, regs := Class(key)
		use, ok := c.slots[class]
		if !ok {
			use = c.slots["int"]
		}
		for g, s := range use {
			slots[g] += n * regs * s
		}
	}
	cycles, bound = total/c.Decode, "decode"
	for g, s := range slots {
		if cyc := s / c.caps[g]; cyc > cycles {
			cycles, bound = cyc, g
		}
	}
	return cycles, bound
}
