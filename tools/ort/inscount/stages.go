package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/quant/inscount"
)

// stageCount is one stage of the frame on one core: instructions per frame
// and their mix (histogram key -> instructions per frame).
type stageCount struct {
	insns float64
	mix   map[string]float64
}

// countStages runs the frame child (-stage all) under qemu with the
// histogram plugin and returns each stage's instructions per frame, the
// cost of a mark itself taken off.
func countStages(qemu, plugin, cpu, dir string, args []string, reps int) ([]stageCount, string, error) {
	logFile := filepath.Join(dir, "hist.log")
	os.Remove(logFile)
	qargs := append([]string{"-cpu", cpu, "-plugin", plugin + ",hist=on", "-d", "plugin", "-D", logFile}, args...)
	cmd := exec.Command(qemu, qargs...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 5))
	}
	f, err := os.Open(logFile)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	marks, err := parseHist(f)
	if err != nil {
		return nil, "", err
	}
	per := len(stages) + 2
	if len(marks) != reps*per {
		return nil, "", fmt.Errorf("plugin log has %d marks, want %d (did the program run to the end?)", len(marks), reps*per)
	}
	// Every frame runs the same instructions, but qemu counts the Go
	// runtime's other threads (sysmon, the scavenger) into the same total
	// when they wake: each interval is taken from the frame where it is
	// smallest, the mark's own cost too.
	interval := func(r, i int) uint64 { return marks[r*per+i+1].total - marks[r*per+i].total }
	best := func(i int) int {
		b := 0
		for r := 1; r < reps; r++ {
			if interval(r, i) < interval(b, i) {
				b = r
			}
		}
		return b
	}
	cal := marks[best(0)*per:]
	out := make([]stageCount, len(stages))
	for i := range out {
		r := best(i + 1)
		a, b := marks[r*per+i+1], marks[r*per+i+2]
		out[i] = stageCount{insns: float64(b.total-a.total) - float64(cal[1].total-cal[0].total), mix: map[string]float64{}}
		for k, v := range b.keys {
			if d := float64(v-a.keys[k]) - float64(cal[1].keys[k]-cal[0].keys[k]); d != 0 {
				out[i].mix[k] = d
			}
		}
	}
	return out, strings.TrimSpace(stdout.String()), nil
}

// histMark is the plugin's state at one mark: the instruction total and
// the running count of every histogram key.
type histMark struct {
	total uint64
	keys  map[string]uint64
}

func parseHist(r io.Reader) ([]histMark, error) {
	var marks []histMark
	cur := map[string]uint64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "inscount-hist "); ok {
			k, n, ok := strings.Cut(v, " ")
			c, err := strconv.ParseUint(n, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("plugin log: %q", line)
			}
			cur[k] = c
		} else if v, ok := strings.CutPrefix(line, "inscount-mark "); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("plugin log: %q: %v", line, err)
			}
			marks = append(marks, histMark{total: n, keys: cur})
			cur = map[string]uint64{}
		}
	}
	return marks, sc.Err()
}

// frameTable prints the per-stage table for every core counted, with the
// issue-rate model's milliseconds and frames per second at 1 and threads
// threads.
func frameTable(out io.Writer, counts map[string][]stageCount, cpus []string, threads, reps int, info string) {
	fmt.Fprintf(out, "\nThe whole frame as the board program runs it (cache/bundle.Classifier.Classify), per stage, one thread,\n"+
		"under qemu-aarch64 (the cheapest of %d frames for each stage; %s).\n", reps, info)
	fmt.Fprintln(out, "Estimates: cycles = the instruction mix's issue bound on the core's pipes (its optimisation guide),")
	fmt.Fprintln(out, "no stalls, no cache misses (a lower bound on time); network split ideally over the threads, the rest serial (Amdahl).")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| board (core, clock) | stage | instructions | bound by | IPC | ms |")
	fmt.Fprintln(out, "| --- | --- | ---: | --- | ---: | ---: |")
	type sum struct{ serial, parallel, net, lookup float64 }
	sums := map[string]sum{}
	for _, cpu := range cpus {
		c, ok := inscount.CoreFor(cpu)
		if !ok {
			continue
		}
		var s sum
		for i, st := range counts[cpu] {
			cyc, bound := c.Cycles(st.mix)
			ms := cyc / (c.GHz * 1e6)
			ipc := 0.0
			if cyc > 0 {
				ipc = st.insns / cyc
			}
			fmt.Fprintf(out, "| %s (%s, %.1f GHz) | %s | %s | %s | %.2f | %.4f |\n", c.Board, c.Name, c.GHz, stages[i], insnsText(st.insns), bound, ipc, ms)
			if i == 1 {
				s.parallel += ms
				s.net = ms
			} else {
				s.serial += ms
			}
			if i == 2 {
				s.lookup = ms
			}
		}
		sums[cpu] = s
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "| board | frame ms, 1 thread | frames/s, 1 thread | frame ms, %d threads | frames/s, %d threads | lookup / network |\n", threads, threads)
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, cpu := range cpus {
		c, ok := inscount.CoreFor(cpu)
		if !ok {
			continue
		}
		s := sums[cpu]
		one := s.serial + s.parallel
		n := s.serial + s.parallel/float64(threads)
		fmt.Fprintf(out, "| %s | %.3f | %.0f | %.3f | %.0f | %.1f%% |\n", c.Board, one, 1000/one, n, 1000/n, 100*s.lookup/s.net)
	}
}

// insnsText prints an instruction count in thousands or millions.
func insnsText(v float64) string {
	if v >= 1e6 {
		return fmt.Sprintf("%.2f M", v/1e6)
	}
	return fmt.Sprintf("%.1f k", v/1e3)
}
