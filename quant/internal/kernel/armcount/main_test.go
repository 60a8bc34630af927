package main

import (
	"strings"
	"testing"

	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/quant/inscount"
)

// Without -quant the tool counts a random ResNet32 it quantizes itself: the
// file must read back as a 32-layer network that runs.
func TestRandomModel(t *testing.T) {
	if testing.Short() {
		t.Skip("quantizes a ResNet32")
	}
	path, err := randomModel(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := quant.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.NewRunner(1)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := r.Run(inscount.Input(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(logits) != 10 {
		t.Fatalf("%d logits, want 10", len(logits))
	}
	if got := m.String(); !strings.Contains(got, "ResNet32") {
		t.Errorf("model %q, want a ResNet32", got)
	}
}
