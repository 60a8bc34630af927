package main

import (
	"strings"
	"testing"
)

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
