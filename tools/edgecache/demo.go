package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/edgecache/edgecache/cache/bundle"
)

func init() {
	register("demo", "the main job end to end: import, quantize, build the cache, classify the test set from a replay camera", runDemo)
}

// runDemo runs the commands a user would, in order, then the board program on
// the test set played back as a camera, and prints the accuracy table.
func runDemo(args []string, stdout io.Writer) error {
	fs := newFlags("demo", "-data DIR [-model FILE] [-out DIR]")
	data := fs.String("data", "../shared/data", "the shared data folder (models/, cifar10/, cifar10-jpeg/)")
	modelRel := fs.String("model", "models/akamaster/resnet32-d509ac18.th", "model, relative to -data or absolute")
	out := fs.String("out", "out/demo", "folder for the int8 model, the cache and the bundle")
	budget := fs.String("budget", "4MiB", "board memory for the cache")
	firmware := fs.String("firmware", "", "board program to run (default: firmware beside this binary)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	modelPath := *modelRel
	if !filepath.IsAbs(modelPath) {
		modelPath = filepath.Join(*data, modelPath)
	}
	train := filepath.Join(*data, "cifar10-jpeg")
	test := filepath.Join(train, "test")
	fw := *firmware
	if fw == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		fw = filepath.Join(filepath.Dir(exe), "firmware")
	}
	if _, err := os.Stat(fw); err != nil {
		return fmt.Errorf("board program not found (%v): run make build", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	qPath, cachePath, bundlePath := filepath.Join(*out, "net.eq8"), filepath.Join(*out, "board.cache"), filepath.Join(*out, "board.bundle")
	start := time.Now()
	step := func(title string, args ...string) ([]byte, error) {
		fmt.Fprintf(stdout, "\n== %s\n$ edgecache %s\n", title, shellJoin(args))
		var buf bytes.Buffer
		w := io.MultiWriter(stdout, &buf)
		cmd, rest := commands[args[0]], args[1:]
		if len(args) > 1 {
			if c, ok := commands[args[0]+" "+args[1]]; ok {
				cmd, rest = c, args[2:]
			}
		}
		t := time.Now()
		err := cmd.run(rest, w)
		fmt.Fprintf(stdout, "(%.0f s)\n", time.Since(t).Seconds())
		return buf.Bytes(), err
	}

	evalOut, err := step("1. import the trained model and score it in float32 on the JPEG test set",
		"eval", "-model", modelPath, "-data", train, "-json")
	if err != nil {
		return err
	}
	var float evalResult
	if err := json.Unmarshal(evalOut, &float); err != nil {
		return fmt.Errorf("demo: reading eval's output: %v", err)
	}
	if _, err := step("2. quantize to int8 (calibrated on training images, observer chosen on the validation split)",
		"quantize", "-model", modelPath, "-data", train, "-o", qPath); err != nil {
		return err
	}
	if _, err := step("3. fit the board's cache to "+*budget+" with keys from the int8 network: the fit study's recipe\n"+
		"   (whole taps projected by PCA to 128, k-means prototypes of the 45,000 fit images and their flips,\n"+
		"   theta and lambda tuned on the 5,000 validation images and their flips)",
		"cache", "board", "-model", modelPath, "-quant", qPath, "-data", train, "-budget", *budget, "-o", cachePath); err != nil {
		return err
	}
	if _, err := step("4. write the bundle the board runs: int8 network + cache + settings, one checksummed file",
		"bundle", "-quant", qPath, "-cache", cachePath, "-name", "resnet32-cifar10-"+*budget, "-o", bundlePath); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "\n== 5. the board program classifies the test set, frame by frame, from a replay camera\n$ %s -bundle %s -camera replay:%s -json\n", fw, bundlePath, test)
	cmd := exec.Command(fw, "-bundle", bundlePath, "-camera", "replay:"+test, "-json")
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	prog := newProgress(10000, "replay")
	sum, rerr := readBoardRun(pipe, func() { prog.add(1) })
	prog.done()
	io.Copy(io.Discard, pipe) // what is left after a bad line, so the program can finish
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("board program: %w", err)
	}
	if rerr != nil {
		return rerr
	}
	fmt.Fprintf(stdout, "%d frames in %.0f s\n", sum.Frames, sum.Seconds)

	fmt.Fprintf(stdout, "\n== accuracy on the CIFAR-10 JPEG test set (%d images), %s\n\n", sum.Labelled, filepath.Base(modelPath))
	fmt.Fprintf(stdout, "| engine | top-1 | error |\n| --- | --- | --- |\n")
	row := func(name string, acc float64) {
		fmt.Fprintf(stdout, "| %s | %.2f%% | %.2f%% |\n", name, 100*acc, 100*(1-acc))
	}
	row("float32 network (host)", float.Top1)
	row("int8 network (board program)", *sum.Top1Net)
	row(fmt.Sprintf("int8 network + %.2f MiB cache (board program)", float64(sum.CacheBytes)/(1<<20)), *sum.Top1Cache)
	fmt.Fprintf(stdout, "\nbundle %s: %d bytes (cache %d bytes on the board)\n", bundlePath, sum.BundleBytes, sum.CacheBytes)
	fmt.Fprintf(stdout, "per frame on this machine: %.3f ms = JPEG to tensor %.3f + int8 network %.3f + cache lookup and mixture %.3f\n",
		sum.MsPerFrame, sum.MsPreprocess, sum.MsNetwork, sum.MsCache)
	fmt.Fprintf(stdout, "total %.0f s; files in %s\n", time.Since(start).Seconds(), *out)
	return nil
}

// readBoardRun reads the board program's -json output: a line per frame
// (each counted by frame), then the program's own summary line
// (bundle.Summary), which it returns rather than recounting the frames.
func readBoardRun(r io.Reader, frame func()) (bundle.Summary, error) {
	var sum bundle.Summary
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"summary":true`)) {
			frame()
			continue
		}
		if err := json.Unmarshal(line, &sum); err != nil {
			return sum, fmt.Errorf("demo: reading the board program's summary: %v", err)
		}
	}
	if err := sc.Err(); err != nil {
		return sum, fmt.Errorf("demo: reading the board program's output: %v", err)
	}
	if !sum.Summary || sum.Top1Net == nil || sum.Top1Cache == nil {
		return sum, errors.New("demo: the board program scored no labelled frames")
	}
	return sum, nil
}

func shellJoin(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a)
	}
	return b.String()
}
