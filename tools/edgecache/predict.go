package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/device/replay"
	"github.com/edgecache/edgecache/model"
)

func init() {
	register("predict", "top-5 classes of images of any size (cropped and resized as the board does), by a model or a bundle", runPredict)
}

// hostMaxPixels is predict's default size limit: 134 megapixels, above the
// photos of common phones and cameras (12 to 100 megapixels), where the
// board's (frame.DefaultMaxPixels, 16.7 megapixels) would refuse a
// 24-megapixel photo. image/jpeg needs up to 3 bytes a pixel for its
// planes: at most 400 MB on the host.
const hostMaxPixels = 1 << 27

type prediction struct {
	Image  string      `json:"image"`
	Top    []classProb `json:"top"`
	Logits []float32   `json:"logits,omitempty"`
}

type classProb struct {
	Class int     `json:"class"`
	Label string  `json:"label,omitempty"`
	Prob  float64 `json:"prob"`
}

func runPredict(args []string, stdout io.Writer) error {
	fs := newFlags("predict", "-model FILE | -bundle F.bundle [-roi center] [-full-decode] [-json] IMAGE...")
	modelPath := fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras (float32)")
	normPath := fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	bundlePath := fs.String("bundle", "", "classify as the board does: this bundle's int8 network, cache and preprocessing")
	roi := fs.String("roi", "", "region of each image the network sees: center (the centred largest square), full, or X,Y,W,H (default: the bundle's, else center)")
	fullDecode := fs.Bool("full-decode", false, "decode JPEG images at full size (image/jpeg) instead of at the reduced scale the region allows, as the board does by default")
	asJSON := fs.Bool("json", false, "print one JSON line per image (with the logits for -model)")
	top := fs.Int("top", 5, "classes to list per image")
	maxPixels := fs.Int("max-pixels", hostMaxPixels, "refuse images of more pixels than this (the board's limit is "+fmt.Sprint(frame.DefaultMaxPixels)+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no images given")
	}
	if (*modelPath == "") == (*bundlePath == "") {
		return usagef("give -model or -bundle")
	}
	classify, err := newPredictor(*modelPath, *normPath, *bundlePath, *roi, *maxPixels, *fullDecode)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, path := range fs.Args() {
		// JPEG files stay undecoded until device/frame takes them, as a
		// camera's frames do.
		f, err := replay.Load(path, true)
		if err != nil {
			return err
		}
		p, err := classify(f, *top)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		p.Image = path
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

// newPredictor returns the classification of one image: the float network
// on the image's region resized by device/frame, or the board's whole path
// (bundle.Classifier).
func newPredictor(modelPath, normPath, bundlePath, roiFlag string, maxPixels int, fullDecode bool) (func(device.Frame, int) (prediction, error), error) {
	if bundlePath != "" {
		b, err := bundle.ReadFile(bundlePath)
		if err != nil {
			return nil, err
		}
		if roiFlag != "" {
			b.Meta.Preprocess.ROI = roiFlag
		}
		b.Meta.Preprocess.FullDecode = b.Meta.Preprocess.FullDecode || fullDecode
		cl, err := bundle.NewClassifier(b)
		if err != nil {
			return nil, err
		}
		if err := cl.SetMaxPixels(maxPixels); err != nil {
			return nil, usagef("-max-pixels: %v", err)
		}
		return func(f device.Frame, top int) (prediction, error) {
			r, err := cl.Classify(f)
			if err != nil {
				return prediction{}, err
			}
			var p prediction
			for _, t := range cl.Top(r, top) {
				p.Top = append(p.Top, classProb{Class: t.Class, Label: t.Label, Prob: float64(t.Prob)})
			}
			return p, nil
		}, nil
	}
	net, err := loadModel(modelPath, normPath)
	if err != nil {
		return nil, err
	}
	r, err := net.NewRunner(1)
	if err != nil {
		return nil, err
	}
	roi, err := frame.ParseROI(roiFlag)
	if err != nil {
		return nil, usagef("-roi: %v", err)
	}
	conv, err := frame.New(&frame.Opts{Size: model.InputSize, ROI: roi, MaxPixels: maxPixels, FullDecode: fullDecode})
	if err != nil {
		return nil, usagef("%v", err)
	}
	pixels := make([]float32, model.InputLen)
	return func(f device.Frame, top int) (prediction, error) {
		if err := conv.Pixels(pixels, f); err != nil {
			return prediction{}, err
		}
		logits, err := r.Run(pixels, 1)
		if err != nil {
			return prediction{}, err
		}
		p := prediction{Logits: logits}
		probs := make([]float32, len(logits))
		model.Softmax(probs, logits)
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
		for _, c := range order[:min(top, len(order))] {
			cp := classProb{Class: c, Prob: float64(probs[c])}
			if c < len(net.Spec.Labels) {
				cp.Label = net.Spec.Labels[c]
			}
			p.Top = append(p.Top, cp)
		}
		return p, nil
	}, nil
}
