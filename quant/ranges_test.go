package quant

import (
	"encoding/json"
	"testing"
)

func TestRanges(t *testing.T) {
	m := smallModel(t, true)
	b, err := m.Ranges()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Format  string
		Depth   int
		Tensors []Range
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// ResNet-8 with shortcut B: input, conv1, then per block relu, conv2,
	// add; the two shape-changing blocks add a shortcut each.
	if got.Format != RangesFormat || got.Depth != 8 || len(got.Tensors) != 2+3*3+2 {
		t.Fatalf("format %q depth %d, %d tensors", got.Format, got.Depth, len(got.Tensors))
	}
	want := []string{"input", "conv1", "layer1.0.relu", "layer1.0.conv2", "layer1.0", "layer2.0.relu", "layer2.0.conv2", "layer2.0.shortcut", "layer2.0"}
	for i, name := range want {
		if got.Tensors[i].Name != name {
			t.Errorf("tensor %d is %s, want %s", i, got.Tensors[i].Name, name)
		}
	}
	if r := got.Tensors[4]; r.Scale != m.Stages[0][0].Add.Output.Scale || r.Kind != "add_relu" || r.Min != 0 {
		t.Errorf("layer1.0: %+v", r)
	}
}
