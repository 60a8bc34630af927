package inscount

import (
	"strings"
	"testing"
)

func mnemonic(_, m, _ string) string { return m }

// Each executed block counts its instructions once per execution, under
// the latest translation of its address; a block never executed counts
// nothing.
func TestParseLog(t *testing.T) {
	log := "IN: f\n" +
		"0x00001000:  8b010000  add x0, x0, x1\n" +
		"0x00001004:  8b010000  add x0, x0, x1\n" +
		"\n" +
		"IN: g\n" +
		"0x00002000:  d65f03c0  ret\n" +
		"\n" +
		"Trace 0: 0x7f [00000000/0000000000001000/00000000/00000000] f\n" +
		"Trace 0: 0x7f [00000000/0000000000001000/00000000/00000000] f\n" +
		"IN: f2\n" +
		"0x00001000:  d503201f  nop\n" +
		"\n" +
		"Trace 0: 0x7f [00000000/0000000000001000/00000000/00000000] f2\n" +
		"Trace 0: 0x7f [00000000/0000000000003000/00000000/00000000] ?\n"
	p, err := ParseLog(strings.NewReader(log), mnemonic)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Keys) != 2 || p.Keys["add"] != 4 || p.Keys["nop"] != 1 || p.Funcs["f"] != 4 || p.Funcs["f2"] != 1 || len(p.Funcs) != 2 {
		t.Errorf("keys %v, funcs %v", p.Keys, p.Funcs)
	}
	for _, bad := range []string{"", "IN: f\n0xzz:  e0800001  add r0, r0, r1\n", "Trace 0: 0x7f f\n", "Trace 0: [0] f\n"} {
		if _, err := ParseLog(strings.NewReader(bad), mnemonic); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// A log of any shape gives a profile or an error, never a panic or a
// count below 1.
func FuzzParseLog(f *testing.F) {
	f.Add("IN: f\n0x00001000:  8b010000  add x0, x0, x1\n\nTrace 0: 0x7f [00000000/0000000000001000/00000000/00000000] f\n")
	f.Add("IN:\n0x:\n0x1: a b\n\nTrace [/]\nTrace ]x[\n")
	f.Fuzz(func(t *testing.T, log string) {
		p, err := ParseLog(strings.NewReader(log), mnemonic)
		if err != nil {
			return
		}
		for _, m := range []map[string]int64{p.Funcs, p.Keys} {
			for k, n := range m {
				if n < 1 {
					t.Fatalf("%s counted %d times", k, n)
				}
			}
		}
	})
}
