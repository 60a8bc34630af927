package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

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

func benchInput(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*model.InputLen)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// benchLatency times batch-1 runs of one engine on this goroutine and
// returns the row with the median and fastest run, in ms.
func benchLatency(engineName string, mk func() (engine, error), o benchOpts) (benchRow, error) {
	e, err := mk()
	if err != nil {
		return benchRow{}, err
	}
	x := benchInput(1)
	times := make([]float64, o.runs)
	var cpu0 time.Duration
	for i := -o.warmup; i < o.runs; i++ {
		if i == 0 {
			cpu0 = cpuTime()
		}
		t := time.Now()
		if _, err := e.Run(x, 1); err != nil {
			return benchRow{}, err
		}
		if i >= 0 {
			times[i] = float64(time.Since(t).Nanoseconds()) / 1e6
		}
	}
	slices.Sort(times)
	cpu := float64((cpuTime() - cpu0).Nanoseconds()) / 1e6 / float64(o.runs)
	med := times[len(times)/2]
	return benchRow{Engine: engineName, Batch: 1, Threads: 1, MsPerImage: med, ImagesPerSec: 1000 / med, MinMs: times[0], CPUMs: cpu}, nil
}

// compare sets a row's ratios to ONNX Runtime's matching row.
func (r *benchRow) compare(ort benchRow) {
	r.Ratio = r.MsPerImage / ort.MsPerImage
	if r.MinMs > 0 && ort.MinMs > 0 {
		r.RatioMin = r.MinMs / ort.MinMs
	}
}

// benchThroughput runs one engine per thread, each on its own stream of full
// batches with no barrier between them (a barrier would idle every thread
// whenever one is descheduled), and returns images/s over the whole timed
// span and CPU ms per image.
func benchThroughput(mk func() (engine, error), batch, threads int, o benchOpts) (float64, float64, error) {
	engines := make([]engine, threads)
	for i := range engines {
		e, err := mk()
		if err != nil {
			return 0, 0, err
		}
		engines[i] = e
	}
	x := benchInput(batch)
	rounds := max(o.runs/batch, 5)
	for _, e := range engines { // warm-up: first-touch of every buffer
		if _, err := e.Run(x, batch); err != nil {
			return 0, 0, err
		}
	}
	errs := make([]error, threads)
	cpu0, t0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	for k, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if _, err := e.Run(x, batch); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(t0).Seconds(), cpuTime()-cpu0
	for _, err := range errs {
		if err != nil {
			return 0, 0, err
		}
	}
	images := float64(rounds * batch * threads)
	return images / wall, float64(cpu.Nanoseconds()) / 1e6 / images, nil
}

// findORT locates tools/ort/bench.mjs with its node_modules.
func findORT(dir string) string {
	cands := []string{dir}
	if dir == "" {
		cands = []string{"tools/ort"}
		if exe, err := os.Executable(); err == nil {
			cands = append(cands, filepath.Join(filepath.Dir(exe), "..", "tools", "ort"))
		}
	}
	for _, d := range cands {
		if d == "" {
			continue
		}
		s := filepath.Join(d, "bench.mjs")
		if _, err := os.Stat(filepath.Join(d, "node_modules", "onnxruntime-node")); err == nil {
			if _, err := os.Stat(s); err == nil {
				return s
			}
		}
	}
	return ""
}

// ortBench runs tools/ort/bench.mjs and reads its JSON line.
func ortBench(script, onnxFile string, batch, threads int, o benchOpts) (benchRow, error) {
	runs := o.runs
	if batch > 1 {
		runs = max(o.runs/batch, 5)
	}
	cmd := exec.Command("node", script, onnxFile, "--json", "--batch", fmt.Sprint(batch), "--threads", fmt.Sprint(threads),
		"--runs", fmt.Sprint(runs), "--warmup", fmt.Sprint(max(o.warmup/batch, 1)))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return benchRow{}, fmt.Errorf("onnxruntime benchmark: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	var r struct {
		MsPerImage   float64 `json:"ms_per_image"`
		MinMs        float64 `json:"min_ms"`
		CPUMs        float64 `json:"cpu_ms_per_image"`
		ImagesPerSec float64 `json:"images_per_s"`
		Version      string  `json:"version"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return benchRow{}, fmt.Errorf("onnxruntime benchmark: reading %q: %v", out.String(), err)
	}
	row := benchRow{Batch: batch, Threads: threads, MsPerImage: r.MsPerImage, ImagesPerSec: r.ImagesPerSec, CPUMs: r.CPUMs, Note: "onnxruntime-node " + r.Version}
	if batch == 1 {
		row.MinMs = r.MinMs
	}
	return row, nil
}

// ortThroughput measures ORT at the given batch and threads; for a model whose
// batch dimension is fixed at 1 (the ace-compiler files) it runs one
// single-threaded process per thread side by side instead, which is how our
// own throughput figure is made too (one runner per core).
func ortThroughput(script, onnxFile string, batch, threads int, o benchOpts) (benchRow, error) {
	r, err := ortBench(script, onnxFile, batch, threads, o)
	if err == nil || !strings.Contains(err.Error(), "fixed batch dimension") {
		return r, err
	}
	rows := make([]benchRow, threads)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for k := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Long runs, so that the processes overlap for nearly all of
			// their timed part despite starting apart.
			rows[k], errs[k] = ortBench(script, onnxFile, 1, 1, benchOpts{runs: 10 * o.runs, warmup: o.warmup})
		}()
	}
	wg.Wait()
	sum := benchRow{Batch: 1, Threads: threads, Note: fmt.Sprintf("model has a fixed batch of 1: %d single-threaded processes side by side", threads)}
	for k, r := range rows {
		if errs[k] != nil {
			return benchRow{}, errs[k]
		}
		sum.ImagesPerSec += r.ImagesPerSec
	}
	sum.MsPerImage = 1000 / sum.ImagesPerSec
	return sum, nil
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

// qdqModel writes the int8 QDQ graph ONNX Runtime runs for our calibration:
// tools/ort/qdq.py rewrites the float ONNX file with our activation ranges.
func qdqModel(benchScript, onnxFile string, q *quant.Model) (string, error) {
	ranges, err := q.Ranges()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "edgecache-bench")
	if err != nil {
		return "", err
	}
	rp := filepath.Join(dir, "ranges.json")
	if err := os.WriteFile(rp, ranges, 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "qdq.onnx")
	cmd := exec.Command("/usr/bin/python3", filepath.Join(filepath.Dir(benchScript), "qdq.py"), onnxFile, rp, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("tools/ort/qdq.py: %v: %s", err, strings.TrimSpace(string(b)))
	}
	os.Remove(rp)
	return out, nil
}

// cpuTime is the CPU time this process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
