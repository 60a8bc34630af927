package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/edgecache/edgecache/quant"
)

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
