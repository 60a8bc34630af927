package main

import (
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for predict's inputs
	_ "image/png"
	"io"
	"os"
	"sort"

	"github.com/edgecache/edgecache/model"
)

func init() {
	register("predict", "top-5 classes of 32x32 images", runPredict)
}

type prediction struct {
	Image  string      `json:"image"`
	Top    []classProb `json:"top"`
	Logits []float32   `json:"logits"`
}

type classProb struct {
	Class int     `json:"class"`
	Label string  `json:"label,omitempty"`
	Prob  float64 `json:"prob"`
}

func runPredict(args []string, stdout io.Writer) error {
	fs := newFlags("predict", "-model FILE [-json] IMAGE...")
	modelPath := fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras")
	normPath := fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	asJSON := fs.Bool("json", false, "print one JSON line per image, with its logits")
	top := fs.Int("top", 5, "classes to list per image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no images given")
	}
	net, err := loadModel(*modelPath, *normPath)
	if err != nil {
		return err
	}
	r, err := net.NewRunner(1)
	if err != nil {
		return err
	}
	pixels := make([]float32, model.InputLen)
	enc := json.NewEncoder(stdout)
	for _, path := range fs.Args() {
		if err := readImage(path, pixels); err != nil {
			return err
		}
		logits, err := r.Run(pixels, 1)
		if err != nil {
			return err
		}
		p := prediction{Image: path, Logits: logits}
		probs := make([]float32, len(logits))
		model.Softmax(probs, logits)
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
		for _, c := range order[:min(*top, len(order))] {
			cp := classProb{Class: c, Prob: float64(probs[c])}
			if c < len(net.Spec.Labels) {
				cp.Label = net.Spec.Labels[c]
			}
			p.Top = append(p.Top, cp)
		}
		if *asJSON {
			if err := enc.Encode(p); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(stdout, path)
		for _, cp := range p.Top {
			name := cp.Label
			if name == "" {
				name = fmt.Sprintf("class %d", cp.Class)
			}
			fmt.Fprintf(stdout, "  %6.2f%%  %s\n", 100*cp.Prob, name)
		}
	}
	return nil
}

func readImage(path string, dst []float32) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := model.Pixels(dst, img); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
