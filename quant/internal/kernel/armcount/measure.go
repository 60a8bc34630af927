package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// measure builds the children, counts each build's inference and prints
// the totals, the functions and the mnemonics that execute the most.
func measure(o options, out io.Writer) error {
	if o.n < 1 || o.k < 1 {
		return fmt.Errorf("-n %d and -k %d must be at least 1", o.n, o.k)
	}
	if o.goarm != 6 && o.goarm != 7 {
		return fmt.Errorf("-goarm %d: want 6 or 7", o.goarm)
	}
	qemu, err := exec.LookPath(o.qemu)
	if err != nil {
		return fmt.Errorf("%s not found: install Debian's qemu-user (apt-get install qemu-user)", o.qemu)
	}
	dir, err := os.MkdirTemp("", "armcount")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := o.quant
	if path == "" {
		fmt.Fprintln(os.Stderr, "armcount: no -quant: quantizing a random ResNet32")
		if path, err = randomModel(dir); err != nil {
			return fmt.Errorf("random model: %w", err)
		}
	}
	if path, err = filepath.Abs(path); err != nil {
		return err
	}
	fmt.Fprintf(out, "int8 ResNet32 (%s), batch 1, one thread: GOARCH=arm GOARM=%d under %s -cpu %s, (%d+%d) - %d inferences\n",
		filepath.Base(path), o.goarm, filepath.Base(qemu), o.cpu, o.n, o.k, o.n)
	totals := map[string]float64{}
	var order []string
	for _, b := range strings.Split(o.builds, ",") {
		var tags []string
		switch b {
		case "go":
			tags = []string{"-tags", "noasm"}
		case "asm":
		default:
			return fmt.Errorf("-builds: unknown build %q (want go or asm)", b)
		}
		bin := filepath.Join(dir, "child-"+b)
		build := exec.Command("go", append(append([]string{"build"}, tags...), "-o", bin, ".")...)
		build.Env = append(os.Environ(), "GOARCH=arm", "GOARM="+strconv.Itoa(o.goarm), "CGO_ENABLED=0")
		build.Dir = sourceDir()
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build %s for arm: %w", b, err)
		}
		start := time.Now()
		p1, err := count(qemu, o.cpu, bin, path, o.n)
		if err != nil {
			return err
		}
		p2, err := count(qemu, o.cpu, bin, path, o.n+o.k)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "armcount: build %s counted in %.0fs\n", b, time.Since(start).Seconds())
		fn, total := diff(p2.funcs, p1.funcs, o.k)
		mn, _ := diff(p2.mnemonics, p1.mnemonics, o.k)
		totals[b] = total
		order = append(order, b)
		fmt.Fprintf(out, "\nbuild %s (%s): %.2f M instructions per inference\n", b, p2.kernel, total/1e6)
		if cyc, bound, core, ok := cycles(mn); ok {
			fmt.Fprintf(out, "  %s in AArch32 (%s, 32-bit OS) at %.1f GHz: >= %.2f M cycles (bound: %s) = %.2f ms, an issue bound\n",
				core.Name, core.Board, core.GHz, cyc/1e6, bound, cyc/core.GHz/1e6)
		}
		printTop(out, "by function", fn, total, o.top)
		printTop(out, "by mnemonic", mn, total, o.top)
	}
	if g, ok := totals["go"]; ok && len(order) > 1 {
		for _, b := range order {
			if b != "go" {
				fmt.Fprintf(out, "\n%s / go: %.3fx the instructions (%.2f M against %.2f M)\n", b, totals[b]/g, totals[b]/1e6, g/1e6)
			}
		}
	}
	return nil
}

// diff is (a - b) / k per key, keeping positive values, and its total.
func diff(a, b map[string]int64, k int) (map[string]float64, float64) {
	d := map[string]float64{}
	total := 0.0
	for key, v := range a {
		if x := float64(v-b[key]) / float64(k); x > 0 {
			d[key] = x
			total += x
		}
	}
	return d, total
}

// count runs the child under qemu with block logging piped to the parser.
func count(qemu, cpu, bin, model string, reps int) (*profile, error) {
	cmd := exec.Command(qemu, "-cpu", cpu, "-d", "in_asm,exec,nochain", "-D", "/dev/stdout",
		bin, "-child", "-quant", model, "-reps", strconv.Itoa(reps))
	// One P: the board program runs an inference on one goroutine, and
	// idle Ps polling the network and stealing work would add runtime
	// instructions that differ from run to run.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p, perr := parseLog(pipe)
	io.Copy(io.Discard, pipe) // let qemu finish if the parser stopped early
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", qemu, err, strings.TrimSpace(stderr.String()))
	}
	if perr != nil {
		return nil, perr
	}
	// The child names its kernel on stderr: "armcount: kernel K, ...".
	if _, rest, ok := strings.Cut(stderr.String(), "armcount: kernel "); ok {
		p.kernel, _, _ = strings.Cut(rest, ",")
		p.kernel = "kernel " + p.kernel
	}
	return p, nil
}

func printTop(out io.Writer, title string, per map[string]float64, total float64, top int) {
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return per[keys[i]] > per[keys[j]] })
	fmt.Fprintf(out, "  %s:\n", title)
	for _, k := range keys[:min(top, len(keys))] {
		fmt.Fprintf(out, "  %9.3f M %5.1f%%  %s\n", per[k]/1e6, 100*per[k]/total, k)
	}
}
