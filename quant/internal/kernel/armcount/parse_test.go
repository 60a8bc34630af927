package main

import (
	"strings"
	"testing"

	"github.com/edgecache/edgecache/quant/inscount"
)

// A 32-bit ARM log as qemu-arm 7.2 writes it: two blocks, one translated
// twice (the second translation is the one executed after it), and trace
// lines naming the block's guest pc.
const sampleLog = "IN: main.f\n" +
	"0x00010000:  e0800001  add      r0, r0, r1\n" +
	"0x00010004:  f280cc08  vmull.s8 q6, d0, d8\n" +
	"\n" +
	"IN: main.g\n" +
	"0x00020000:  e12fff1e  bx       lr\n" +
	"\n" +
	"Trace 0: 0x7f0000000100 [00000480/00010000/00000000/00000200] main.f\n" +
	"Trace 0: 0x7f0000000100 [00000480/00010000/00000000/00000200] main.f\n" +
	"IN: main.g\n" +
	"0x00020000:  e12fff1e  bx       lr\n" +
	"0x00020004:  e1a00000  nop\n" +
	"\n" +
	"Trace 0: 0x7f0000000200 [00000480/00020000/00000000/00000200] main.g\n" +
	"Trace 0: 0x7f0000000300 [00000480/00030000/00000000/00000200] unknown\n"

func TestParseLog(t *testing.T) {
	p, err := parseLog(strings.NewReader(sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	if p.funcs["main.f"] != 4 || p.funcs["main.g"] != 2 || len(p.funcs) != 2 {
		t.Errorf("by function %v, want main.f 4, main.g 2", p.funcs)
	}
	want := map[string]int64{"add": 2, "vmull.s8": 2, "bx": 1, "nop": 1}
	for k, v := range want {
		if p.mnemonics[k] != v {
			t.Errorf("%s counted %d times, want %d (all: %v)", k, p.mnemonics[k], v, p.mnemonics)
		}
	}
}

func TestParseLogErrors(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"empty", "", "no executed blocks"},
		{"bad address", "IN: f\n0xzz:  e0800001  add r0, r0, r1\n", "qemu log"},
		{"no mnemonic", "IN: f\n0x00010000:  e0800001\n", "no mnemonic"},
		{"trace without pc", "Trace 0: 0x7f [00000480] f\n", "no guest pc"},
		{"trace without brackets", "Trace 0: 0x7f f\n", "no [...]"},
		{"bad trace pc", "Trace 0: 0x7f [0/xyz/0/0] f\n", "qemu log"},
	} {
		_, err := parseLog(strings.NewReader(tc.log))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// diff keeps what the longer run executed more, per run of k inferences.
func TestDiff(t *testing.T) {
	d, total := diff(map[string]int64{"a": 30, "b": 10, "c": 5}, map[string]int64{"a": 10, "b": 12}, 2)
	if d["a"] != 10 || d["c"] != 2.5 || len(d) != 2 || total != 12.5 {
		t.Errorf("diff = %v, total %g; want a 10, c 2.5, total 12.5", d, total)
	}
}

// A log of any shape gives a profile or an error, never a panic or a
// negative count.
func FuzzParseLog(f *testing.F) {
	f.Add(sampleLog)
	f.Add("IN:\n0x:\n0x1: a b\n\nTrace [/]\nTrace ]x[\n")
	f.Add("IN: f\n0x00000010:  e0800001  add r0\n\nTrace 0: [0/10/0/0]\n")
	f.Fuzz(func(t *testing.T, log string) {
		p, err := parseLog(strings.NewReader(log))
		if err != nil {
			return
		}
		for _, m := range []map[string]int64{p.funcs, p.mnemonics} {
			for k, n := range m {
				if n <= 0 {
					t.Fatalf("%s counted %d times", k, n)
				}
			}
		}
	})
}

// insnKey counts the D registers of NEON loads and stores; a64Key prices
// them, and sorts A32 mnemonics into quant/inscount's classes.
func TestKeys(t *testing.T) {
	for _, tc := range []struct{ mnemonic, ops, key, class string }{
		{"vld1.8", "{d0, d1, d2, d3}, [r7]!", "vld1.8/4d", "load"},
		{"vld1.8", "{d0-d3}, [r7]!", "vld1.8/4d", "load"},
		{"vld1.32", "{d1[]}, [r7]!", "vld1.32/1d", "load"},
		{"vst1.32", "{d0[1]}, [r6], r3", "vst1.32/1d", "store"},
		{"vmull.s8", "q6, d0, d8", "vmull.s8", "vmul"},
		{"vmlal.s8", "q6, d1, d9", "vmlal.s8", "vmul"},
		{"vpadal.s16", "q8, q6", "vpadal.s16", "vpadal"},
		{"vqrdmulh.s32", "q0, q0, q9", "vqrdmulh.s32", "vmul"},
		{"veor", "q4, q4, q6", "veor", "valu"},
		{"vmul.f64", "d0, d1, d2", "vmul.f64", "fp"},
		{"ldrsb", "r0, [r1, #1]", "ldrsb", "load"},
		{"push", "{r0, r1}", "push", "store"},
		{"bgt", "#0x1000", "bgt", "branch"},
		{"bx", "lr", "bx", "branch"},
		{"bic", "r0, r0, #1", "bic", "int"},
		{"mla", "r0, r1, r2, r3", "mla", "imul"},
		{"sxtb", "r0, r1", "sxtb", "int"},
	} {
		key := insnKey(tc.mnemonic, tc.ops)
		if key != tc.key {
			t.Errorf("insnKey(%s %s) = %q, want %q", tc.mnemonic, tc.ops, key, tc.key)
		}
		if class, _ := inscount.Class(a64Key(key)); class != tc.class {
			t.Errorf("%s: class %q (as %s), want %q", key, class, a64Key(key), tc.class)
		}
	}
}
