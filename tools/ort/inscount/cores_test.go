package main

import (
	"strings"
	"testing"
)

func TestInsnClass(t *testing.T) {
	for key, want := range map[string]string{
		"ld1.v4": "load", "st1.v1": "store", "fcvtl.v": "valu", "smull.v": "vmul", "sadalp.v": "vpadal",
		"b.ne": "branch", "fadd": "fp", "madd": "imul", "add": "int",
		"?4e540e00": "valu", // FMLA V0.8H, V16.8H, V20.8H (FEAT_FP16)
		"?4e9c9600": "dot",  // SDOT V0.4S, V16.16B, V28.16B
		"?d503201f": "int",
	} {
		if got, _ := insnClass(key); got != want {
			t.Errorf("insnClass(%q) = %q, want %q", key, got, want)
		}
	}
	if _, regs := insnClass("ld1.v4"); regs != 4 {
		t.Errorf("ld1.v4 moves %v registers, want 4", regs)
	}
}

// The issue bound: 8 loads of 4 Q registers take 32 cycles on the A72's one
// load pipe and 16 on the A76's two.
func TestCycles(t *testing.T) {
	for i, want := range []float64{32, 16} {
		if got, bound := cores[i].cycles(map[string]float64{"ld1.v4": 8}); got != want || bound != "L" {
			t.Errorf("%s: %v cycles bound by %s, want %v by L", cores[i].name, got, bound, want)
		}
	}
}

func TestParseHist(t *testing.T) {
	log := "inscount-hist add 5\ninscount-mark 10\ninscount-hist add 9\ninscount-hist ld1.v2 3\ninscount-mark 25\n"
	marks, err := parseHist(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 2 || marks[1].total != 25 || marks[1].keys["add"] != 9 || marks[1].keys["ld1.v2"] != 3 || marks[0].keys["add"] != 5 {
		t.Fatalf("parsed %+v", marks)
	}
	if _, err := parseHist(strings.NewReader("inscount-hist add x\n")); err == nil {
		t.Fatal("a bad count parsed")
	}
}
