package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/tools/fewshot"
	"github.com/edgecache/edgecache/tools/framesim"
	"github.com/edgecache/edgecache/tools/keys"
)

func init() {
	register("fewshot", "the few-shot teaching study: hold a class out, teach k examples as the board does, score the test set (and -camera: teach camera frames)", runFewshot)
}

// fewshotArgs are the parsed flags.
type fewshotArgs struct {
	bundle, data, teachSplit string
	classSpec                []string // nil: all
	ks, cameraKs             []int
	seed                     uint64
	limit, threads, budget   int
	learn                    cache.LearnOpts
	camera                   bool
	jsonOut, plotOut         string
}

func parseFewshot(args []string) (*fewshotArgs, error) {
	fs := newFlags("fewshot", "-bundle F.bundle -data DIR [-classes all|0,3|cat,dog] [-k 1,2,5,10,20,50] [-seed 1] [-limit N] [-json F] [-plot F.png] [-camera] [-camera-k 0,10,50,200]")
	a := &fewshotArgs{}
	fs.StringVar(&a.bundle, "bundle", "", "the board's bundle (edgecache bundle): int8 network and tuned cache")
	fs.StringVar(&a.data, "data", "", "ImageFolder root or CIFAR binary folder with the bundle's classes (test and training images)")
	classes := fs.String("classes", "all", "classes to hold out in turn: all, or a comma-separated list of indices or names")
	k := fs.String("k", "1,2,5,10,20,50", "examples taught per held-out class, ascending (k=0, the masked baseline, is always scored)")
	fs.Uint64Var(&a.seed, "seed", 1, "seed of the draw of taught examples (nested: the k=2 set holds the k=1 example)")
	fs.IntVar(&a.limit, "limit", 0, "score only N test images, spread evenly over the test set (0: all)")
	fs.StringVar(&a.teachSplit, "teach-split", "val", "training images to teach from: val (the last 10% of each class, which a cache built on the fit split has not seen), fit or train")
	fs.IntVar(&a.budget, "budget", 0, "the cache's memory budget in bytes while teaching (0: what the bundle's cache takes, the board's default)")
	fs.IntVar(&a.learn.Group, "group", 0, "examples of a class one taught cache item summarises, as their mean key (the board's -teach-group; 0: the bundle's)")
	fs.Float64Var(&a.learn.Prior, "prior", 0, "weight of a class the bundle lacks, as a share of a bundle class's (the board's -teach-prior; 0: the bundle's)")
	fs.IntVar(&a.threads, "threads", 0, "network passes and lookup workers at once (0: every core)")
	fs.StringVar(&a.jsonOut, "json", "", "write every figure as JSON to this file")
	fs.StringVar(&a.plotOut, "plot", "", "write the held-out plot to this PNG (with -camera also NAME-camera.png)")
	fs.BoolVar(&a.camera, "camera", false, "also run the camera study: teach simulated camera frames of training images, score frames of the test images")
	camK := fs.String("camera-k", "0,10,50,200", "with -camera: frames taught per class, ascending")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments %q", fs.Args())
	}
	if a.bundle == "" || a.data == "" {
		return nil, usagef("-bundle and -data are required")
	}
	var err error
	if a.ks, err = parseKs(*k); err != nil {
		return nil, usagef("-k: %v", err)
	}
	if a.cameraKs, err = parseKs(*camK); err != nil {
		return nil, usagef("-camera-k: %v", err)
	}
	if a.learn.Group < 0 || a.learn.Group > cache.MaxWeight {
		return nil, usagef("-group %d: want 1 to %d (0: the bundle's)", a.learn.Group, cache.MaxWeight)
	}
	if !(a.learn.Prior >= 0 && a.learn.Prior <= 1) {
		return nil, usagef("-prior %v: want more than 0, at most 1 (0: the bundle's)", a.learn.Prior)
	}
	if a.limit < 0 || a.threads < 0 || a.budget < 0 {
		return nil, usagef("-limit, -threads and -budget must not be negative")
	}
	switch a.teachSplit {
	case "val", "fit", "train":
	default:
		return nil, usagef("-teach-split %q: want val, fit or train", a.teachSplit)
	}
	if c := strings.TrimSpace(*classes); c != "all" {
		for _, f := range strings.Split(c, ",") {
			if f = strings.TrimSpace(f); f == "" {
				return nil, usagef("-classes %q: empty entry", c)
			}
			a.classSpec = append(a.classSpec, f)
		}
	}
	return a, nil
}

// parseKs reads an ascending list of distinct non-negative counts.
func parseKs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 0 {
			return nil, fmt.Errorf("%q: want comma-separated counts >= 0", s)
		}
		if len(ks) > 0 && k <= ks[len(ks)-1] {
			return nil, fmt.Errorf("%q: want ascending, distinct counts", s)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// resolveClasses turns -classes into class indices of names (all when spec
// is nil).
func resolveClasses(spec, names []string) ([]int, error) {
	if spec == nil {
		out := make([]int, len(names))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	for _, f := range spec {
		y, err := strconv.Atoi(f)
		if err != nil {
			if y = slices.Index(names, f); y < 0 {
				return nil, usagef("-classes: no class %q (classes: %s)", f, strings.Join(names, ", "))
			}
		} else if y < 0 || y >= len(names) {
			return nil, usagef("-classes: class %d of %d (0 to %d)", y, len(names), len(names)-1)
		}
		if slices.Contains(out, y) {
			return nil, usagef("-classes: class %q twice", f)
		}
		out = append(out, y)
	}
	return out, nil
}

func runFewshot(args []string, stdout io.Writer) error {
	a, err := parseFewshot(args)
	if err != nil {
		return err
	}
	start := time.Now()
	b, err := bundle.ReadFile(a.bundle)
	if err != nil {
		return err
	}
	mem := b.Cache
	if mem == nil {
		return fmt.Errorf("%s has no cache: the study teaches a cache", a.bundle)
	}
	names := b.Meta.Classes
	if len(names) != b.Model.Classes {
		names = make([]string, b.Model.Classes)
		for i := range names {
			names[i] = strconv.Itoa(i)
		}
	}
	classes, err := resolveClasses(a.classSpec, names)
	if err != nil {
		return err
	}
	if a.budget != 0 && a.budget < mem.Bytes() {
		return usagef("-budget %d is below what the bundle's cache takes (%d bytes)", a.budget, mem.Bytes())
	}
	testSet, err := openSet(a.data, "test", b.Model.Classes)
	if err != nil {
		return err
	}
	trainSet, err := openSet(a.data, a.teachSplit, b.Model.Classes)
	if err != nil {
		return err
	}
	if n := testSet.Classes(); len(n) > 0 && len(b.Meta.Classes) > 0 && !slices.Equal(n, b.Meta.Classes) {
		return fmt.Errorf("%s has classes %v, the bundle %v", a.data, n, b.Meta.Classes)
	}
	spec := mem.Spec()
	eo := fewshot.EncodeOptions{Threads: a.threads}
	encode := func(what string, set keys.Images, idx []int) (*fewshot.Encoded, error) {
		bar := newProgress(len(idx), what)
		last := 0
		eo.Progress = func(done, total int) { bar.add(done - last); last = done }
		e, err := fewshot.Encode(context.Background(), b.Model, spec, set, idx, eo)
		took := bar.done()
		if err == nil {
			fmt.Fprintf(os.Stderr, "fewshot: %s: %d images through the int8 network in %.1fs\n", what, len(idx), took.Seconds())
		}
		return e, err
	}
	testIdx := keys.Spread(testSet.Len(), a.limit)
	logLine := func(s string) { fmt.Fprintf(os.Stderr, "fewshot: %s (%.0fs)\n", s, time.Since(start).Seconds()) }
	// The board's settings: the bundle's, with what the flags set.
	a.learn = b.Meta.LearnOpts().With(a.learn)
	opts := fewshot.Options{Ks: a.ks, Learn: a.learn, Budget: a.budget, Workers: a.threads, Progress: logLine}

	labels := make([]int, trainSet.Len())
	for i := range labels {
		labels[i] = trainSet.Label(i)
	}
	report := fewshotReport{Bundle: a.bundle, Data: a.data, TeachSplit: a.teachSplit, Seed: a.seed, Group: a.learn.Group, Prior: a.learn.Prior,
		Budget: max(a.budget, mem.Bytes()), Items: mem.Len(), Theta: mem.Theta, Lambda: mem.Lambda, Classes: names}

	test, err := encode("test images", testSet, testIdx)
	if err != nil {
		return err
	}
	report.TestImages = test.Len()
	maxK := a.ks[len(a.ks)-1]
	pick := fewshot.Choose(labels, len(names), maxK, a.seed)
	teach := map[int]*fewshot.Encoded{}
	for _, y := range classes {
		if len(pick[y]) == 0 {
			return fmt.Errorf("%s %s split has no image of class %s to teach", a.data, a.teachSplit, names[y])
		}
		if teach[y], err = encode("examples of "+names[y], trainSet, pick[y]); err != nil {
			return err
		}
	}
	h, err := fewshot.StudyHeldOut(mem, test, teach, classes, names, opts)
	if err != nil {
		return err
	}
	report.HeldOut = h
	report.Summary = h.Summaries()
	printHeldOut(stdout, &report)
	if a.plotOut != "" {
		if err := plotHeldOut(a.plotOut, &report); err != nil {
			return err
		}
	}

	if a.camera {
		roi, err := b.Meta.Preprocess.Region()
		if err != nil {
			return err
		}
		conv := frame.Opts{Size: b.Meta.Preprocess.Size, ROI: roi}
		// The camera out of focus (the bilinear scene, no lens on top): a
		// domain shift of 2.7 points for the int8 network, which teaching
		// the board its own frames could win back; a camera in focus
		// loses 0.2 (tools/framesim TestFramePathAccuracy), too little to
		// study.
		sim := framesim.DefaultOpts
		sim.Upscale, sim.Lens = framesim.Bilinear, 0
		// Test frames draw their noise from seed+i, training frames from a
		// range far from it, so no two frames share their noise.
		testFrames := &fewshot.Frames{Src: testSet, Sim: sim, Conv: conv, Seed: a.seed}
		trainFrames := &fewshot.Frames{Src: trainSet, Sim: sim, Conv: conv, Seed: a.seed + 1<<32}
		ft, err := encode("test frames", testFrames, testIdx)
		if err != nil {
			return err
		}
		camK := a.cameraKs[len(a.cameraKs)-1]
		cpick := fewshot.Choose(labels, len(names), camK, a.seed+1)
		var all []int
		for _, p := range cpick {
			all = append(all, p...)
		}
		ex, err := encode("training frames", trainFrames, all)
		if err != nil {
			return err
		}
		per := make([]*fewshot.Encoded, len(names))
		at := 0
		for y, p := range cpick {
			per[y] = ex.Slice(at, at+len(p))
			at += len(p)
		}
		co := opts
		co.Ks = a.cameraKs
		cam, err := fewshot.StudyCamera(mem, ft, per, co)
		if err != nil {
			return err
		}
		report.Camera = cam
		report.Frames = fmt.Sprintf("%dx%d, image %v, %s scene, lens %g, noise %g, JPEG quality %d, ROI %s", sim.Width, sim.Height, sim.Place(), sim.Upscale, sim.Lens, sim.Noise, sim.Quality, b.Meta.Preprocess.ROI)
		printCamera(stdout, &report)
		if a.plotOut != "" {
			if err := plotCamera(strings.TrimSuffix(a.plotOut, ".png")+"-camera.png", &report); err != nil {
				return err
			}
		}
	}
	report.Seconds = time.Since(start).Seconds()
	if a.jsonOut != "" {
		data, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(a.jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\n(%.0f s)\n", report.Seconds)
	return nil
}

// fewshotReport is everything a run measured (the -json file).
type fewshotReport struct {
	Bundle     string            `json:"bundle"`
	Data       string            `json:"data"`
	TeachSplit string            `json:"teach_split"`
	Seed       uint64            `json:"seed"`
	Group      int               `json:"group"`
	Prior      float64           `json:"prior"`
	Budget     int               `json:"budget_bytes"`
	Items      int               `json:"items"`
	Theta      float32           `json:"theta"`
	Lambda     float32           `json:"lambda"`
	Classes    []string          `json:"classes"`
	TestImages int               `json:"test_images"`
	HeldOut    *fewshot.HeldOut  `json:"held_out"`
	Summary    []fewshot.Summary `json:"summary"`
	Frames     string            `json:"frames,omitempty"`
	Camera     *fewshot.Camera   `json:"camera,omitempty"`
	Seconds    float64           `json:"seconds"`
}
