package main

import (
	"fmt"
	"strings"
)

// A core is a throughput model of one Cortex CPU: pipe groups, how many
// instructions each issues per cycle, and which group each instruction uses.
type core struct {
	name    string
	ghz     float64
	decode  float64            // instructions decoded per cycle
	dotprod bool               // has FEAT_DotProd (SDOT)
	caps    map[string]float64 // pipe group -> issue slots per cycle
	// uses lists, for an instruction key, the pipe groups it occupies and
	// for how many slots.
	uses func(key string) map[string]float64
}

// Instruction classes shared by both models.
func class(key string) (c string, regs float64) {
	m, suffix, vec := strings.Cut(key, ".v")
	regs = 1
	if vec && suffix != "" {
		fmt.Sscan(suffix, &regs)
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
	}
	return "int", 1
}

// cores: Pi 4 (BCM2711, Cortex-A72 at 1.5 GHz; 1.8 GHz on boards from 2020
// with newer firmware) and Pi 5 (BCM2712, Cortex-A76 at 2.4 GHz).
var cores = []core{
	{
		// Cortex-A72 Software Optimization Guide (ARM UAN 0016A), section 3:
		// ASIMD integer multiply and multiply-accumulate long on F0 only, one
		// per cycle; SADALP on F1 only, one every two cycles; other ASIMD
		// ALU on F0 or F1; one load pipe (L), an LD1 of n Q registers taking n
		// cycles; one store pipe; two integer pipes; one branch pipe; 3-wide
		// decode (section 2).
		name: "Cortex-A72", ghz: 1.5, decode: 3,
		caps: map[string]float64{"F0": 1, "F1": 1, "F": 2, "L": 1, "S": 1, "I": 2, "B": 1},
		uses: func(key string) map[string]float64 {
			c, n := class(key)
			switch c {
			case "vmul":
				return map[string]float64{"F0": 1, "F": 1}
			case "vpadal":
				return map[string]float64{"F1": 2, "F": 2}
			case "valu", "dot":
				return map[string]float64{"F": 1}
			case "load":
				return map[string]float64{"L": n}
			case "store":
				return map[string]float64{"S": n}
			case "branch":
				return map[string]float64{"B": 1}
			}
			return map[string]float64{"I": 1}
		},
	},
	{
		// Cortex-A76 Software Optimization Guide (PJDOC-466751330-7215 v8.0),
		// section 3: SDOT on V0 or V1, two per cycle; multiply(-accumulate)
		// long on V0 only, one per cycle; SADALP on V1 only, one per cycle;
		// other ASIMD ALU on V0 or V1; two load pipes, an LD1 of n Q
		// registers taking n/2 cycles; three single-cycle integer pipes; one
		// branch pipe; 4-wide decode (section 2).
		name: "Cortex-A76", ghz: 2.4, decode: 4, dotprod: true,
		caps: map[string]float64{"V0": 1, "V1": 1, "V": 2, "L": 2, "S": 1, "I": 3, "B": 1},
		uses: func(key string) map[string]float64 {
			c, n := class(key)
			switch c {
			case "vmul":
				return map[string]float64{"V0": 1, "V": 1}
			case "vpadal":
				return map[string]float64{"V1": 1, "V": 1}
			case "valu", "dot":
				return map[string]float64{"V": 1}
			case "load":
				return map[string]float64{"L": n}
			case "store":
				return map[string]float64{"S": n}
			case "branch":
				return map[string]float64{"B": 1}
			}
			return map[string]float64{"I": 1}
		},
	},
}

// cycles is the throughput bound: the busiest pipe group's slots over its
// issue rate, or the instructions over the decode width, whichever is larger.
func (c core) cycles(per map[string]float64) (float64, string) {
	slots := map[string]float64{}
	total := 0.0
	for key, n := range per {
		total += n
		for g, s := range c.uses(key) {
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
