// Command armcount counts the 32-bit ARM instructions one int8 ResNet32
// inference executes as the armv7 board program runs it (Raspberry Pi 2/3
// and Zero 2 on a 32-bit OS, bin/firmware-linux-armv7), under qemu-arm, and
// shows where they go by function and by mnemonic.
//
// Method (the one quant/internal/kernel/inscount uses for arm64): qemu-user
// logs, with -d in_asm, each translated block's instructions, and with
// -d exec,nochain each execution of a block (nochain stops qemu from
// jumping from block to block unlogged). The sum over executed blocks is the
// exact dynamic instruction count. The child runs N and then N+K
// inferences in two processes; the difference over K is one inference,
// free of process start-up and model loading.
//
// Two builds of the child are counted, so that one run compares them: "go",
// built with the noasm tag (the pure-Go twins: what armv7 ran before its
// NEON kernel, and what armv6 runs), and "asm", the default build (the
// kernels this GOARM selects at start-up). GOARM=6 counts the Pi Zero/1
// build; its "asm" build has no NEON and runs the twins too.
//
// Usage (any host with Debian's qemu-user; builds its child itself):
//
//	go run ./quant/internal/kernel/armcount [-quant R32.q] [-goarm 7] [-cpu cortex-a7] [-builds go,asm]
//
// Without -quant it counts a ResNet32 with random weights, quantized here
// with random calibration images: the instruction count depends on the
// shapes, not the weights, to within the requantization's data-dependent
// branches.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/quant/inscount"
	"github.com/edgecache/edgecache/quant/internal/kernel"
)

func main() {
	var o options
	child := flag.Bool("child", false, "run the inferences (inside qemu) instead of measuring")
	flag.StringVar(&o.quant, "quant", "", "int8 model file (edgecache quantize -o); empty: a random ResNet32 quantized here")
	flag.IntVar(&o.goarm, "goarm", 7, "GOARM of the child: 7 (Pi 2/3/Zero 2, 32-bit OS) or 6 (Pi Zero/1)")
	flag.StringVar(&o.cpu, "cpu", "cortex-a7", "qemu -cpu model (cortex-a7: the Pi 2's core, with NEON; arm1176: the Pi Zero's)")
	flag.StringVar(&o.qemu, "qemu", "qemu-arm", "qemu user-mode binary (Debian: qemu-user or qemu-user-static)")
	flag.StringVar(&o.builds, "builds", "go,asm", "child builds to count: go (-tags noasm), asm (default build)")
	flag.IntVar(&o.n, "n", 1, "inferences in the first process")
	flag.IntVar(&o.k, "k", 2, "more inferences in the second process")
	flag.IntVar(&o.top, "top", 12, "functions and mnemonics to list")
	reps := flag.Int("reps", 1, "with -child: inferences to run")
	flag.Parse()
	var err error
	if *child {
		err = runChild(o.quant, *reps)
	} else {
		err = measure(o, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "armcount:", err)
		os.Exit(1)
	}
}

type options struct {
	quant, cpu, qemu, builds string
	goarm, n, k, top         int
}

// runChild loads the model and runs reps inferences at batch 1. It writes
// nothing to stdout, which carries qemu's log.
func runChild(path string, reps int) error {
	m, err := quant.ReadFile(path)
	if err != nil {
		return err
	}
	r, err := m.NewRunner(1)
	if err != nil {
		return err
	}
	px := inscount.Input()
	var logits []float32
	for range reps {
		if logits, err = r.Run(px, 1); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "armcount: kernel %s, %d inferences, logits[0] %g\n", kernel.BestKernel(), reps, logits[0])
	return nil
}

// randomModel writes a ResNet32 with random weights, quantized with
// calibration on random images, to dir, for runs without -quant.
func randomModel(dir string) (string, error) {
	net, err := model.Build(model.Spec{Name: "resnet32-random", Norm: modeltest.CIFARNorm, Padding: model.PadSymmetric},
		modeltest.RandomWeights(32, 10, false, 32))
	if err != nil {
		return "", err
	}
	const images = 8
	px := make([]float32, 0, images*model.InputLen)
	for i := range images {
		px = append(px, modeltest.RandomInput(uint32(i))...)
	}
	cal, err := quant.Calibrate(net, px, images)
	if err != nil {
		return "", err
	}
	m, err := quant.Quantize(net, cal, quant.MinMax)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "resnet32-random.q")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// sourceDir is this command's directory, for building the child.
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Dir(file)
}
