package keras

import (
	"encoding/json"
	"fmt"
)

// Layer is one layer of a Keras functional model, from the file's
// model_config attribute.
type Layer struct {
	Index   int    // position in model_config: the index of model.layers in Keras
	Name    string // e.g. "conv2d_7"
	Class   string // Keras class name, e.g. "Conv2D"
	Inbound []string
	Config  layerConfig
}

// layerConfig holds the layer settings the importer checks; Keras writes many
// more (initialisers, regularisers) that do not affect inference.
type layerConfig struct {
	Filters      int      `json:"filters"`
	Units        int      `json:"units"`
	KernelSize   []int    `json:"kernel_size"`
	Strides      []int    `json:"strides"`
	Padding      string   `json:"padding"`
	DataFormat   string   `json:"data_format"`
	DilationRate []int    `json:"dilation_rate"`
	UseBias      *bool    `json:"use_bias"`
	Activation   string   `json:"activation"`
	Epsilon      *float64 `json:"epsilon"`
	Axis         any      `json:"axis"`
	Center       *bool    `json:"center"`
	Scale        *bool    `json:"scale"`
	PoolSize     []int    `json:"pool_size"`
}

// parseConfig decodes a Keras 2 functional model configuration:
// {"class_name": "Model", "config": {"layers": [{"name", "class_name",
// "config", "inbound_nodes": [[["input", 0, 0, {}], ...]]}, ...]}}.
func parseConfig(text string) ([]Layer, error) {
	var top struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Layers []struct {
				Name      string          `json:"name"`
				ClassName string          `json:"class_name"`
				Config    layerConfig     `json:"config"`
				Inbound   json.RawMessage `json:"inbound_nodes"`
			} `json:"layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return nil, fmt.Errorf("keras: model_config is not valid JSON: %w", err)
	}
	if top.ClassName != "Model" && top.ClassName != "Functional" {
		return nil, fmt.Errorf("keras: model_config describes a %q, want a functional Model", top.ClassName)
	}
	if len(top.Config.Layers) == 0 {
		return nil, fmt.Errorf("keras: model_config lists no layers")
	}
	layers := make([]Layer, len(top.Config.Layers))
	seen := map[string]bool{}
	for i, l := range top.Config.Layers {
		if l.Name == "" || seen[l.Name] {
			return nil, fmt.Errorf("keras: model_config layer %d: name %q is empty or repeated", i, l.Name)
		}
		layers[i] = Layer{Index: i, Name: l.Name, Class: l.ClassName, Config: l.Config}
		// Keras 2 inbound nodes: one list per call of the layer, each a list
		// of [layer name, node index, tensor index, kwargs].
		var nodes [][][]any
		if len(l.Inbound) > 0 {
			if err := json.Unmarshal(l.Inbound, &nodes); err != nil {
				return nil, fmt.Errorf("keras: layer %q: inbound_nodes not in the Keras 2 format: %v", l.Name, err)
			}
		}
		if len(nodes) > 1 {
			return nil, fmt.Errorf("keras: layer %q is called %d times (shared layers are not supported)", l.Name, len(nodes))
		}
		for _, node := range nodes {
			for _, in := range node {
				name, ok := "", len(in) > 0
				if ok {
					name, ok = in[0].(string)
				}
				if !ok || !seen[name] {
					return nil, fmt.Errorf("keras: layer %q: inbound %v does not name an earlier layer", l.Name, in)
				}
				layers[i].Inbound = append(layers[i].Inbound, name)
			}
		}
		seen[l.Name] = true // only now: a layer cannot feed itself
	}
	return layers, nil
}
