package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

func init() {
	register("bench", "latency and throughput of our engines next to ONNX Runtime's, in the same run", runBench)
}

// benchRow is one engine's figures.
type benchRow struct {
	Engine       string  `json:"engine"`
	Batch        int     `json:"batch"`
	Threads      int     `json:"threads"`
	MsPerImage   float64 `json:"ms_per_image"`
	ImagesPerSec float64 `json:"images_per_s"`
	// MinMs is the fastest run's ms/image (batch-1 rows): on a busy machine
	// it is the steadiest figure, the median being what load left over.
	MinMs float64 `json:"min_ms_per_image,omitempty"`
	// CPUMs is process CPU time per image: what the work costs whatever
	// else the machine is doing.
	CPUMs float64 `json:"cpu_ms_per_image,omitempty"`
	// Ratio is this row's ms/image over the ONNX Runtime row of the same
	// precision, batch and threads (below 1: we are faster); RatioMin the
	// same for the fastest runs.
	Ratio    float64 `json:"ratio_to_ort,omitempty"`
	RatioMin float64 `json:"ratio_min_to_ort,omitempty"`
	Note     string  `json:"note,omitempty"`
}

type benchOpts struct {
	runs, warmup int
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlags("bench", "-model FILE [-onnx FILE] [-quant FILE | -data DIR] [-cache FILE] [-runs N] [-json]")
	modelPath := fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras")
	normPath := fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)")
	onnxPath := fs.String("onnx", "", "the same model as ONNX, for ONNX Runtime (default: -model when it is .onnx)")
	ortDir := fs.String("ort", "", "folder of tools/ort (with node_modules); default: found beside the binary or working directory")
	runs := fs.Int("runs", 300, "timed runs per figure (median reported)")
	warmup := fs.Int("warmup", 30, "untimed runs first")
	threads := fs.Int("threads", 2, "threads for the throughput figures")
	batch := fs.Int("batch", 32, "batch for the throughput figures")
	asJSON := fs.Bool("json", false, "print one JSON object")
	quantPath := fs.String("quant", "", "our int8 model (from edgecache quantize); without it, -data quantizes on the fly")
	cachePath := fs.String("cache", "", "also time the lookup in this cache against the network at batch 1 (queries: -data's test images)")
	var qo quantOpts
	var obs string
	fs.StringVar(&qo.data, "data", "", "training images to calibrate the int8 model on (needed without -quant); empty: float32 only")
	addQuantFlags(fs, &qo, &obs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 || *warmup < 0 || *threads < 1 || *batch < 1 {
		return usagef("-runs, -threads and -batch must be positive, -warmup not negative")
	}
	net, err := loadModel(*modelPath, *normPath)
	if err != nil {
		return err
	}
	if *onnxPath == "" && strings.EqualFold(filepath.Ext(*modelPath), ".onnx") {
		*onnxPath = *modelPath
	}
	o := benchOpts{runs: *runs, warmup: *warmup}
	var rows []benchRow
	// Interleave ours and ORT's so that load on this shared machine falls
	// on both alike.
	f1, err := benchLatency("edgecache float32", func() (engine, error) { return net.NewRunner(1) }, o)
	if err != nil {
		return err
	}
	rows = append(rows, f1)
	ortNote := ""
	script := findORT(*ortDir)
	switch {
	case *onnxPath == "":
		ortNote = "no ONNX file for this model (-onnx)"
	case script == "":
		ortNote = "tools/ort not installed (make tools/ort/node_modules)"
	}
	if ortNote == "" {
		r, err := ortBench(script, *onnxPath, 1, 1, o)
		if err != nil {
			return err
		}
		r.Engine = "onnxruntime float32"
		rows = append(rows, r)
		rows[0].compare(r)
	}
	tp, cpu, err := benchThroughput(func() (engine, error) { return net.NewRunner(*batch) }, *batch, *threads, o)
	if err != nil {
		return err
	}
	rows = append(rows, benchRow{Engine: "edgecache float32", Batch: *batch, Threads: *threads, MsPerImage: 1000 / tp, ImagesPerSec: tp, CPUMs: cpu})
	if ortNote == "" {
		r, err := ortThroughput(script, *onnxPath, *batch, *threads, o)
		if err != nil {
			return err
		}
		r.Engine = "onnxruntime float32"
		rows[len(rows)-1].compare(r)
		rows = append(rows, r)
	}
	q, err := benchQuant(net, *quantPath, qo, obs, *threads)
	if err != nil {
		return err
	}
	if q != nil {
		i1, err := benchLatency("edgecache int8", func() (engine, error) { return q.NewRunner(1) }, o)
		if err != nil {
			return err
		}
		rows = append(rows, i1)
		mine := len(rows) - 1
		qdq := ""
		if ortNote == "" {
			if qdq, err = qdqModel(script, *onnxPath, q); err != nil {
				fmt.Fprintf(os.Stderr, "bench: no ONNX Runtime int8 figure: %v\n", err)
			}
		}
		if qdq != "" {
			defer os.Remove(qdq)
			r, err := ortBench(script, qdq, 1, 1, o)
			if err != nil {
				return err
			}
			r.Engine = "onnxruntime int8"
			rows = append(rows, r)
			rows[mine].compare(r)
		}
		tp, cpu, err := benchThroughput(func() (engine, error) { return q.NewRunner(*batch) }, *batch, *threads, o)
		if err != nil {
			return err
		}
		rows = append(rows, benchRow{Engine: "edgecache int8", Batch: *batch, Threads: *threads, MsPerImage: 1000 / tp, ImagesPerSec: tp, CPUMs: cpu})
		mine = len(rows) - 1
		if qdq != "" {
			r, err := ortThroughput(script, qdq, *batch, *threads, o)
			if err != nil {
				return err
			}
			r.Engine = "onnxruntime int8"
			rows[mine].compare(r)
			rows = append(rows, r)
		}
	}
	var lb *lookupBench
	if *cachePath != "" {
		mem, err := cache.ReadFile(*cachePath)
		if err != nil {
			return err
		}
		if lb, err = benchLookup(net, q, mem, *cachePath, qo.data, o); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"model": *modelPath, "arch": net.String(), "rows": rows, "ort_note": ortNote,
			"cpu": runtime.GOARCH, "go": runtime.Version(), "lookup": lb})
	}
	fmt.Fprintf(stdout, "%v, %d timed runs per figure (median)\n", net, *runs)
	fmt.Fprintf(stdout, "%-22s %5s %7s %10s %10s %8s %10s %8s %8s\n", "engine", "batch", "threads", "ms/image", "fastest", "cpu", "images/s", "vs ORT", "fastest")
	opt := func(format string, v float64) string {
		if v > 0 {
			return fmt.Sprintf(format, v)
		}
		return ""
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-22s %5d %7d %10.3f %10s %8s %10.1f %8s %8s\n", r.Engine, r.Batch, r.Threads, r.MsPerImage,
			opt("%.3f", r.MinMs), opt("%.3f", r.CPUMs), r.ImagesPerSec, opt("%.2fx", r.Ratio), opt("%.2fx", r.RatioMin))
	}
	fmt.Fprintln(stdout, "ms/image: median run; fastest: quickest run (steadier on a busy machine); cpu: CPU ms per image; vs ORT: over ONNX Runtime's")
	if ortNote != "" {
		fmt.Fprintf(stdout, "ONNX Runtime not measured: %s\n", ortNote)
	}
	if lb != nil {
		lb.print(stdout)
	}
	return nil
}

// benchQuant returns our int8 model: read from a file, quantized from data,
// or nil when neither is given (float32 figures only).
func benchQuant(net *model.Net, path string, o quantOpts, obs string, threads int) (*quant.Model, error) {
	if path != "" {
		return quant.ReadFile(path)
	}
	if o.data == "" {
		return nil, nil
	}
	var err error
	if o.observers, err = parseObservers(obs); err != nil {
		return nil, err
	}
	o.threads, o.log = threads, os.Stderr
	return quantizeNet(net, o)
}
