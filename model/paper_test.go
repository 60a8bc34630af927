package model_test

import (
	"slices"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// The paper's choices (ResNet20, ResNet32) and what the rule gives elsewhere.
// model/keras's tests check the first two against the Keras layer indices.
func TestPaperTaps(t *testing.T) {
	for depth, want := range map[int][]string{
		14: {"layer3.0.relu", "layer3.0", "layer3.1.relu"},
		20: {"layer3.0.relu", "layer3.1.relu", "layer3.2.relu"},
		32: {"layer3.0", "layer3.2.relu", "layer3.3"},
		44: {"layer3.0", "layer3.3.relu", "layer3.5"},
		56: {"layer3.1.relu", "layer3.4.relu", "layer3.7.relu"},
	} {
		for _, b := range []bool{false, true} {
			net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(depth, 10, b, 1))
			if err != nil {
				t.Fatal(err)
			}
			got, err := net.PaperTaps()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("ResNet%d: %v, want %v", depth, got, want)
			}
			for _, name := range got {
				if tap, _ := net.Tap(name); tap.C != 64 || tap.H != 8 {
					t.Errorf("ResNet%d: tap %s is %+v, want 64x8x8", depth, name, tap)
				}
			}
		}
	}
	net, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(8, 10, false, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.PaperTaps(); err == nil {
		t.Error("ResNet8 (one block per stage): no error")
	}
}
