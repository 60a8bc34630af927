package main

import (
	"strings"
	"testing"

	"github.com/edgecache/edgecache/quant/inscount"
)

// insnKey's keys are the ones quant/inscount's pipe model classes.
func TestInsnKey(t *testing.T) {
	for _, tc := range []struct {
		word, mnemonic, ops string
		key, class          string
	}{
		{"4e9c9600", ".inst", "0x4e9c9600", "sdot", "dot"}, // SDOT V0.4S, V16.16B, V28.16B
		{"6e9c9600", ".inst", "0x6e9c9600", "udot", "dot"},
		{"4c402c00", "ld1", "{v0.2d, v1.2d, v2.2d, v3.2d}, [x0]", "ld1.v4", "load"},
		{"0e20c000", "smull", "v0.8h, v0.8b, v0.8b", "smull.v", "vmul"},
		{"6e206800", "sadalp", "v0.4s, v0.8h", "sadalp.v", "vpadal"},
		{"8b010000", "add", "x0, x0, x1", "add", "int"},
		{"9b017c00", "mul", "x0, x0, x1", "mul", "imul"},
	} {
		key := insnKey(tc.word, tc.mnemonic, tc.ops)
		if key != tc.key {
			t.Errorf("insnKey(%s %s %s) = %q, want %q", tc.word, tc.mnemonic, tc.ops, key, tc.key)
		}
		if class, _ := inscount.Class(key); class != tc.class {
			t.Errorf("%s: class %q, want %q", key, class, tc.class)
		}
	}
}

// parseLog counts each executed block's instructions once per execution.
func TestParseLog(t *testing.T) {
	log := "IN: \n" +
		"0x00001000:  8b010000  add x0, x0, x1\n" +
		"0x00001004:  4e9c9600  .inst 0x4e9c9600\n" +
		"\n" +
		"Trace 0: 0x7f [00000000/0000000000001000/00000000/00000000] \n" +
		"Trace 0: 0x7f [00000000/0000000000001000/00000000/00000000] \n" +
		"Trace 0: 0x7f [00000000/0000000000002000/00000000/00000000] \n"
	h, err := parseLog(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h["add"] != 2 || h["sdot"] != 2 {
		t.Fatalf("histogram %v, want add 2, sdot 2", h)
	}
	if _, err := parseLog(strings.NewReader("IN: \n0xzz:  8b010000  add x0, x0, x1\n")); err == nil {
		t.Error("a bad block address parsed")
	}
}

// A qemu log of any shape gives a histogram or an error, never a panic.
func FuzzParseLog(f *testing.F) {
	f.Add("IN: \n0x00001000:  8b010000  add x0, x0, x1\n\nTrace 0: 0x7f [00000000/0000000000001000/00000000/00000000] \n")
	f.Add("IN:\n0x:\n0x1: a b\n\nTrace [/]\nTrace ]x[\n")
	f.Fuzz(func(t *testing.T, log string) {
		h, err := parseLog(strings.NewReader(log))
		if err == nil {
			for k, n := range h {
				if n < 0 {
					t.Fatalf("%s counted %d times", k, n)
				}
			}
		}
	})
}
