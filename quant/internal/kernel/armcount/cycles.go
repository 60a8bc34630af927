package main

import (
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/quant/inscount"
)

// a64Key names a 32-bit ARM instruction (insnKey) by its AArch64
// counterpart's key in quant/inscount, so that its Cortex-A72 issue model
// prices an AArch32 mix: the A72 Software Optimization Guide (ARM UAN
// 0016A, section 3) lists the A32 and A64 forms of an instruction on the
// same pipes. VMULL, VMLAL and VQRDMULH go to the ASIMD multiply pipe
// (F0), VPADAL to F1, other ASIMD and VFP to either; a VLD1 or VST1 of n D
// registers is charged ceil(n/2) Q registers, a VLDR/VSTR or scalar access
// one slot.
func a64Key(key string) string {
	m, regs, _ := strings.Cut(key, "/")
	switch {
	case strings.HasPrefix(m, "vld") || strings.HasPrefix(m, "vst"):
		n, err := strconv.Atoi(strings.TrimSuffix(regs, "d"))
		if err != nil || n < 1 {
			n = 1
		}
		op := "ld1"
		if strings.HasPrefix(m, "vst") {
			op = "st1"
		}
		return op + ".v" + strconv.Itoa((n+1)/2)
	case strings.HasPrefix(m, "vmull") || strings.HasPrefix(m, "vmlal") || strings.HasPrefix(m, "vmlsl"):
		return "smull.v"
	case strings.HasPrefix(m, "vmul") || strings.HasPrefix(m, "vmla") || strings.HasPrefix(m, "vqrdmulh") ||
		strings.HasPrefix(m, "vqdmulh"):
		if strings.Contains(m, ".f") {
			return "fmul"
		}
		return "mul.v"
	case strings.HasPrefix(m, "vpadal"):
		return "sadalp.v"
	case strings.HasPrefix(m, "vmov") && !strings.Contains(m, "."):
		return "fmov" // VMOV between core and VFP registers
	case strings.HasPrefix(m, "v"):
		if strings.Contains(m, ".f") {
			return "fadd"
		}
		return "add.v"
	case strings.HasPrefix(m, "ld") || m == "pop":
		return "ldr"
	case strings.HasPrefix(m, "st") || m == "push":
		return "str"
	case isBranch(m):
		return "b"
	case m == "mul" || m == "mla" || m == "mls" || strings.HasPrefix(m, "umull") || strings.HasPrefix(m, "smull") ||
		strings.HasPrefix(m, "umlal") || strings.HasPrefix(m, "smlal") || m == "sdiv" || m == "udiv":
		return "madd"
	}
	return m
}

// isBranch reports whether an A32 mnemonic is B, BL, BX or BLX, with or
// without a condition (BIC, BFI and BFC are not branches).
func isBranch(m string) bool {
	for _, base := range []string{"blx", "bx", "bl", "b"} {
		if c, ok := strings.CutPrefix(m, base); ok && (c == "" || strings.Contains(conds, " "+c+" ")) {
			return true
		}
	}
	return false
}

const conds = " eq ne cs hs cc lo mi pl vs vc hi ls ge lt gt le al "

// cycles is the A72 issue bound of a mix of insnKey counts, with the pipe
// group that sets it: a lower bound on cycles (quant/inscount).
func cycles(mix map[string]float64) (float64, string, inscount.Core, bool) {
	core, ok := inscount.CoreFor("cortex-a72")
	if !ok {
		return 0, "", core, false
	}
	a64 := map[string]float64{}
	for k, n := range mix {
		a64[a64Key(k)] += n
	}
	c, bound := core.Cycles(a64)
	return c, bound, core, true
}
