package keras

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// syntheticConfig writes the model_config Keras 2 saves for the example
// resnet_v1 of depth 6k+2, in the same layer order as the paper's files: a
// projection shortcut comes after the block's second convolution.
func syntheticConfig(k int) string {
	type layer struct {
		Name      string         `json:"name"`
		ClassName string         `json:"class_name"`
		Config    map[string]any `json:"config"`
		Inbound   [][][]any      `json:"inbound_nodes"`
	}
	var layers []layer
	count := map[string]int{}
	add := func(class, prefix string, cfg map[string]any, in ...string) string {
		count[prefix]++
		name := fmt.Sprintf("%s_%d", prefix, count[prefix])
		l := layer{Name: name, ClassName: class, Config: cfg, Inbound: [][][]any{}}
		if len(in) > 0 {
			node := [][]any{}
			for _, i := range in {
				node = append(node, []any{i, 0, 0, map[string]any{}})
			}
			l.Inbound = [][][]any{node}
		}
		layers = append(layers, l)
		return name
	}
	conv := func(in string, filters, kernel, stride int) string {
		return add("Conv2D", "conv2d", map[string]any{"filters": filters, "kernel_size": []int{kernel, kernel},
			"strides": []int{stride, stride}, "padding": "same", "data_format": "channels_last",
			"dilation_rate": []int{1, 1}, "use_bias": true, "activation": "linear"}, in)
	}
	bn := func(in string) string {
		return add("BatchNormalization", "batch_normalization", map[string]any{"epsilon": 0.001, "axis": -1}, in)
	}
	relu := func(in string) string {
		return add("Activation", "activation", map[string]any{"activation": "relu"}, in)
	}
	layers = append(layers, layer{Name: "input_1", ClassName: "InputLayer", Config: map[string]any{}, Inbound: [][][]any{}})
	x := relu(bn(conv("input_1", 16, 3, 1)))
	for s, width := range []int{16, 32, 64} {
		for b := 0; b < k; b++ {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			y := relu(bn(conv(x, width, 3, stride)))
			y = conv(y, width, 3, 1)
			short := x
			if stride == 2 {
				short = conv(x, width, 1, 2)
			}
			y = bn(y)
			x = relu(add("Add", "add", map[string]any{}, short, y))
		}
	}
	p := add("AveragePooling2D", "average_pooling2d", map[string]any{"pool_size": []int{8, 8}, "strides": []int{8, 8}, "padding": "valid"}, x)
	f := add("Flatten", "flatten", map[string]any{}, p)
	add("Dense", "dense", map[string]any{"units": 10, "activation": "softmax"}, f)
	b, _ := json.Marshal(map[string]any{"class_name": "Model", "config": map[string]any{"name": "model_1", "layers": layers}})
	return string(b)
}

// TestSyntheticGraphs matches the graph of every depth and checks where the
// taps land; the paper's two depths must give the paper's layer indices.
func TestSyntheticGraphs(t *testing.T) {
	paper := map[int][]int{3: {49, 57, 64}, 5: {82, 92, 103}}
	for k := 1; k <= 9; k++ {
		layers, err := parseConfig(syntheticConfig(k))
		if err != nil {
			t.Fatal(err)
		}
		r, err := matchResNet(layers)
		if err != nil {
			t.Fatalf("ResNet%d: %v", 6*k+2, err)
		}
		if len(r.blocks) != 3*k || len(r.taps) != 6*k+3 {
			t.Fatalf("ResNet%d: %d blocks, %d taps", 6*k+2, len(r.blocks), len(r.taps))
		}
		for i, b := range r.blocks {
			if (b.shortcut != nil) != (i == k || i == 2*k) {
				t.Errorf("ResNet%d block %d: projection %v", 6*k+2, i, b.shortcut != nil)
			}
		}
		if want, ok := paper[k]; ok {
			// The taps model.PaperTaps gives for these depths (see model/paper.go).
			names := map[int][]string{3: {"layer3.0.relu", "layer3.1.relu", "layer3.2.relu"}, 5: {"layer3.0", "layer3.2.relu", "layer3.3"}}[k]
			for i, n := range names {
				if got := r.taps[n].Index; got != want[i] {
					t.Errorf("ResNet%d: tap %s is layer %d, want %d", 6*k+2, n, got, want[i])
				}
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	good := syntheticConfig(1)
	for _, tc := range []struct{ text, want string }{
		{"", "not valid JSON"},
		{`{"class_name": "Model", "config": {"layers": []}}`, "no layers"},
		{strings.Replace(good, `"name":"conv2d_2"`, `"name":"conv2d_1"`, 1), "repeated"},
		{strings.Replace(good, `[["input_1",0,0,{}]]`, `[["input_1",0,0,{}]],[["input_1",0,0,{}]]`, 1), "shared layers"},
		{strings.Replace(good, `"class_name":"Add"`, `"class_name":"Concatenate"`, 1), "does not fit"},
		{strings.Replace(good, `"class_name":"InputLayer"`, `"class_name":"Dense"`, 1), "want InputLayer"},
	} {
		layers, err := parseConfig(tc.text)
		if err == nil {
			_, err = matchResNet(layers)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one with %q", err, tc.want)
		}
	}
}

// FuzzConfig feeds arbitrary model configurations to the graph matcher.
func FuzzConfig(f *testing.F) {
	for _, k := range []int{1, 2, 3} {
		f.Add(syntheticConfig(k))
	}
	f.Add(`{"class_name": "Model", "config": {"layers": [{"name": "a", "class_name": "InputLayer", "inbound_nodes": []}]}}`)
	f.Fuzz(func(t *testing.T, text string) {
		layers, err := parseConfig(text)
		if err != nil {
			return
		}
		if r, err := matchResNet(layers); err == nil && len(r.blocks)%3 != 0 {
			t.Fatalf("accepted %d blocks", len(r.blocks))
		}
	})
}
