// Command inscount estimates what the int8 GEMMs of one ResNet32 inference
// cost on a Raspberry Pi, without a Pi: it counts the arm64 instructions they
// execute under qemu and turns the counts into cycles on Cortex-A72 (Pi 4)
// and Cortex-A76 (Pi 5) with a per-pipe throughput model.
//
// Method. qemu-user logs, with -d in_asm, each translated block's
// instructions, and with -d exec,nochain each execution of a block (nochain
// stops qemu from jumping between blocks without logging). Summing the
// instructions of every executed block gives the exact dynamic instruction
// count and a per-mnemonic histogram. The GEMMs run reps1 and then reps2
// times in two processes; the difference divided by reps2-reps1 is the cost of
// one inference, free of process start-up. The histogram then gives a lower
// bound on cycles for each core (quant/inscount): for every pipe group, the
// instructions it executes divided by its throughput (the cores' Software
// Optimization Guides), and the total divided by the decode width; the
// largest bound wins.
// It ignores cache misses and dependency stalls (the kernels keep 16
// independent accumulators and their data in L1), so it is an optimistic
// estimate, stated as such.
//
// Usage (on any host with qemu-aarch64-static; builds itself for arm64):
//
//	go run ./quant/internal/kernel/inscount [-kernel dot|neon|go] [-cpu max]
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/quant/inscount"
	"github.com/edgecache/edgecache/quant/internal/kernel"
)

// resnet32 is the GEMMs of one CIFAR ResNet32 inference at batch 1 (m, depth,
// n), shortcut kind B: the same list as the package benchmarks.
func resnet32() [][3]int {
	s := [][3]int{{16, 27, 1024}}
	for i := 0; i < 10; i++ {
		s = append(s, [3]int{16, 144, 1024})
	}
	s = append(s, [3]int{32, 144, 256}, [3]int{32, 16, 256})
	for i := 0; i < 9; i++ {
		s = append(s, [3]int{32, 288, 256})
	}
	s = append(s, [3]int{64, 288, 64}, [3]int{64, 32, 64})
	for i := 0; i < 9; i++ {
		s = append(s, [3]int{64, 576, 64})
	}
	return append(s, [3]int{10, 64, 1})
}

func main() {
	child := flag.Bool("child", false, "run the GEMMs (inside qemu) instead of measuring")
	name := flag.String("kernel", "", "kernel to measure (default: every arm64 kernel)")
	reps := flag.Int("reps", 1, "with -child: inferences to run")
	cpu := flag.String("cpu", "max", "qemu -cpu model (max and cortex-a76 have the dot product; cortex-a72 has not)")
	qemu := flag.String("qemu", "qemu-aarch64-static", "qemu user-mode binary")
	flag.Parse()
	if *child {
		if err := runChild(*name, *reps); err != nil {
			fmt.Fprintln(os.Stderr, "inscount:", err)
			os.Exit(1)
		}
		return
	}
	if err := measure(*name, *cpu, *qemu); err != nil {
		fmt.Fprintln(os.Stderr, "inscount:", err)
		os.Exit(1)
	}
}

// runChild packs the network's weights and runs reps inferences' GEMMs.
func runChild(name string, reps int) error {
	type gemm struct {
		w *kernel.Weights
		n int
		b []uint8
		c []int32
	}
	r := rand.New(rand.NewPCG(1, 2))
	var gs []gemm
	for _, s := range resnet32() {
		a := make([]int8, s[0]*s[1])
		for i := range a {
			a[i] = int8(r.IntN(255) - 127)
		}
		w, err := kernel.PackWeightsWith(name, s[0], s[1], a)
		if err != nil {
			return err
		}
		b := make([]uint8, s[1]*s[2])
		for i := range b {
			b[i] = uint8(r.Uint32())
		}
		gs = append(gs, gemm{w, s[2], b, make([]int32, s[0]*s[2])})
	}
	for i := 0; i < reps; i++ {
		for _, g := range gs {
			g.w.Gemm(g.n, g.b, g.w.Depth, g.c, g.n)
		}
	}
	return nil
}

func measure(name, cpu, qemu string) error {
	dir, err := os.MkdirTemp("", "inscount")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "inscount")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	build.Dir = sourceDir()
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build for arm64: %w", err)
	}
	names := []string{"dot", "neon"} // the Go twin works, but takes long under logging
	if name != "" {
		names = []string{name}
	}
	macs := 0
	for _, s := range resnet32() {
		macs += s[0] * s[1] * s[2]
	}
	fmt.Printf("ResNet32 GEMMs, batch 1: %.1fM int8 multiply-adds; qemu -cpu %s\n", float64(macs)/1e6, cpu)
	for _, k := range names {
		const reps1, reps2 = 1, 3
		h1, err := count(qemu, cpu, bin, k, reps1)
		if err != nil {
			return err
		}
		h2, err := count(qemu, cpu, bin, k, reps2)
		if err != nil {
			return err
		}
		per := map[string]float64{}
		total := 0.0
		for m, v := range h2 {
			d := float64(v-h1[m]) / (reps2 - reps1)
			if d > 0 {
				per[m] = d
				total += d
			}
		}
		fmt.Printf("\nkernel %s: %.2fM instructions per inference, %.3f per multiply-add\n", k, total/1e6, total/float64(macs))
		printTop(per, total)
		// Cross-check against the kernels' structure. dot: 16x4 tiles, 16
		// SDOT per 4 values of depth. neon: 4x4 tiles, 16 each of SMULL,
		// SMLAL2 and SADALP per 16 values of depth.
		dots, muls := 0, 0
		for _, s := range resnet32() {
			dots += 16 * ((s[0] + 15) / 16) * ((s[2] + 3) / 4) * ((s[1] + 3) / 4)
			muls += 16 * ((s[0] + 3) / 4) * ((s[2] + 3) / 4) * ((s[1] + 15) / 16)
		}
		switch k {
		case "dot":
			fmt.Printf("  check: %.0f SDOT counted, %d expected from the tile structure\n", per["sdot"], dots)
		case "neon":
			fmt.Printf("  check: %.0f SMULL, %.0f SMLAL2, %.0f SADALP counted, %d each expected from the tile structure\n",
				per["smull.v"], per["smlal2.v"], per["sadalp.v"], muls)
		}
		for _, c := range inscount.Cores() {
			if k == "dot" && !c.DotProd {
				fmt.Printf("  %-10s has no dot product (ARMv8.0): runs kernel neon\n", c.Name)
				continue
			}
			cyc, bound := c.Cycles(per)
			fmt.Printf("  %-10s %.2f GHz: >= %.2fM cycles (bound: %s) = %.2f ms, %.1f MAC/cycle\n",
				c.Name, c.GHz, cyc/1e6, bound, cyc/c.GHz/1e6, float64(macs)/cyc)
		}
	}
	return nil
}

// sourceDir is this command's directory, for building it for arm64.
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Dir(file)
}

// count runs the child under qemu with block logging and returns the dynamic
// instruction count per mnemonic.
func count(qemu, cpu, bin, name string, reps int) (map[string]int64, error) {
	cmd := exec.Command(qemu, "-cpu", cpu, "-d", "in_asm,exec,nochain", "-D", "/dev/stdout",
		bin, "-child", "-kernel", name, "-reps", strconv.Itoa(reps))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h, perr := parseLog(out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s: %w", qemu, err)
	}
	return h, perr
}

// parseLog reads qemu's log (inscount.ParseLog) into a histogram of
// arm64 instruction keys.
func parseLog(r io.Reader) (map[string]int64, error) {
	p, err := inscount.ParseLog(r, insnKey)
	if err != nil {
		return nil, err
	}
	return p.Keys, nil
}

// insnKey names an instruction for the cost model: the mnemonic, ".v" when
// it works on vector registers (qemu prints EOR and ADD the same for both),
// and for vector loads and stores the number of registers moved.
func insnKey(word, mnemonic, ops string) string {
	if strings.HasPrefix(mnemonic, ".") {
		// qemu's disassembler predates the dot product: decode it here.
		if w, err := strconv.ParseUint(word, 16, 32); err == nil {
			if dot, unsigned := inscount.DotWord(uint32(w)); dot {
				return map[bool]string{false: "sdot", true: "udot"}[unsigned]
			}
		}
	}
	vec := false
	for i := 0; i+1 < len(ops); i++ {
		if ops[i] == 'v' && ops[i+1] >= '0' && ops[i+1] <= '9' && (i == 0 || !isAlnum(ops[i-1])) {
			vec = true
			break
		}
	}
	if !vec {
		return mnemonic
	}
	if strings.HasPrefix(mnemonic, "ld1") || strings.HasPrefix(mnemonic, "st1") {
		if i, j := strings.Index(ops, "{"), strings.Index(ops, "}"); i >= 0 && j > i {
			return fmt.Sprintf("%s.v%d", mnemonic, strings.Count(ops[i:j], ",")+1)
		}
	}
	return mnemonic + ".v"
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func printTop(per map[string]float64, total float64) {
	type kv struct {
		m string
		n float64
	}
	var l []kv
	for m, n := range per {
		l = append(l, kv{m, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n })
	var parts []string
	for i, e := range l {
		if i == 8 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.1f%%", e.m, 100*e.n/total))
	}
	fmt.Printf("  mix: %s\n", strings.Join(parts, ", "))
}
