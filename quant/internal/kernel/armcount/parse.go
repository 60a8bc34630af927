package main

import (
	"io"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/quant/inscount"
)

// A profile is a run's executed instructions by function and by mnemonic.
type profile struct {
	funcs, mnemonics map[string]int64
	kernel           string // what the child reported, for the printout
}

// parseLog reads qemu's log (inscount.ParseLog) with armv7's instruction
// keys.
func parseLog(r io.Reader) (*profile, error) {
	p, err := inscount.ParseLog(r, func(_, mnemonic, ops string) string { return insnKey(mnemonic, ops) })
	if err != nil {
		return nil, err
	}
	return &profile{funcs: p.Funcs, mnemonics: p.Keys}, nil
}

// insnKey is the mnemonic, and for NEON loads and stores how many D
// registers they move ("vld1.8/4d"), which the issue model charges.
func insnKey(mnemonic, ops string) string {
	if !strings.HasPrefix(mnemonic, "vld") && !strings.HasPrefix(mnemonic, "vst") {
		return mnemonic
	}
	i, j := strings.IndexByte(ops, '{'), strings.IndexByte(ops, '}')
	if i < 0 || j < i {
		return mnemonic // VLDR/VSTR-like forms without a list
	}
	n := 0
	for _, r := range strings.Split(ops[i+1:j], ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(r), "-")
		a, errA := strconv.Atoi(strings.TrimPrefix(strings.SplitN(lo, "[", 2)[0], "d"))
		b, errB := strconv.Atoi(strings.TrimPrefix(strings.SplitN(hi, "[", 2)[0], "d"))
		switch {
		case isRange && errA == nil && errB == nil && b >= a:
			n += b - a + 1
		default:
			n++
		}
	}
	return mnemonic + "/" + strconv.Itoa(n) + "d"
}
