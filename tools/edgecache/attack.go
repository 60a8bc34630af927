package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/robust"
	"golang.org/x/term"
)

func init() {
	register("attack", "adversarial robustness of the network, Cache3, CacheOnly and the board's int8+cache (the paper's attacks)", runAttack)
}

// robustSetup is what attack and jacobian share: the network, the paper's
// cache models and optionally the board's configuration, and the test images.
type robustSetup struct {
	net     *model.Net
	targets []robust.Target
	images  [][]float32
	labels  []int
}

type robustFlags struct {
	model, norm, cachePath, data, split, quantPath, boardCache, bundlePath *string
	n                                                                      *int
	seed                                                                   *uint64
}

func addRobustFlags(fs interface {
	String(string, string, string) *string
	Int(string, int, string) *int
	Uint64(string, uint64, string) *uint64
}, defaultN int) robustFlags {
	return robustFlags{
		model:      fs.String("model", "", "trained model: .th/.pt PyTorch, .onnx, .h5 Keras"),
		norm:       fs.String("norm", "", "input normalisation file for Keras models (made by edgecache norm)"),
		cachePath:  fs.String("cache", "", "cache file of the paper's keys (cache build): gives Cache3 (its theta, lambda) and CacheOnly (its CacheOnly theta)"),
		data:       fs.String("data", "", "data set whose test images are attacked (ImageFolder root or CIFAR binary folder)"),
		split:      fs.String("split", "test", "which images"),
		quantPath:  fs.String("quant", "", "int8 model (edgecache quantize): with -board-cache adds the board's configuration"),
		boardCache: fs.String("board-cache", "", "the board's cache (e.g. cache fit -budget 4MiB), scored with the int8 network as the firmware does"),
		bundlePath: fs.String("bundle", "", "the board's bundle (e.g. out/demo/board.bundle): its int8 network and cache, instead of -quant and -board-cache"),
		n:          fs.Int("n", defaultN, "images, drawn at random from the split by -seed (the paper: 2,500)"),
		seed:       fs.Uint64("seed", 1, "seed of the image draw and the single-pixel attack's pixel order"),
	}
}

func (f robustFlags) open() (*robustSetup, error) {
	if *f.data == "" {
		return nil, usagef("-data is required")
	}
	if *f.n < 1 {
		return nil, usagef("-n %d: want at least 1 image", *f.n)
	}
	if (*f.quantPath == "") != (*f.boardCache == "") {
		return nil, usagef("-quant and -board-cache go together (the board's int8 network and its cache)")
	}
	if *f.bundlePath != "" && *f.quantPath != "" {
		return nil, usagef("-bundle holds the board's network and cache: give it or -quant and -board-cache, not both")
	}
	net, err := loadModel(*f.model, *f.norm)
	if err != nil {
		return nil, err
	}
	s := &robustSetup{net: net}
	if *f.cachePath != "" {
		c, err := cache.ReadFile(*f.cachePath)
		if err != nil {
			return nil, err
		}
		if c.Theta == 0 || c.CacheOnlyTheta == 0 {
			return nil, fmt.Errorf("%s: the cache holds no tuned theta/CacheOnly theta (build it with -params from cache tune)", *f.cachePath)
		}
		mix, err := robust.NewMixture(c)
		if err != nil {
			return nil, err
		}
		for _, h := range []robust.Head{
			{Name: "Cache3", Theta: float64(c.Theta), Lambda: float64(c.Lambda)},
			{Name: "CacheOnly", Theta: float64(c.CacheOnlyTheta), Lambda: 1},
		} {
			m, err := robust.NewCacheModel(net, mix, h)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", *f.cachePath, err)
			}
			s.targets = append(s.targets, robust.Target{Name: h.Name, Decide: m, Grad: m})
		}
	}
	if *f.quantPath != "" || *f.bundlePath != "" {
		var q *quant.Model
		var bc *cache.Cache
		if *f.bundlePath != "" {
			b, err := bundle.ReadFile(*f.bundlePath)
			if err != nil {
				return nil, err
			}
			if b.Cache == nil {
				return nil, fmt.Errorf("%s: the bundle holds no cache (the network alone decides)", *f.bundlePath)
			}
			q, bc = b.Model, b.Cache
		} else {
			if q, err = quant.ReadFile(*f.quantPath); err != nil {
				return nil, err
			}
			if bc, err = cache.ReadFile(*f.boardCache); err != nil {
				return nil, err
			}
		}
		board, err := robust.NewBoard(q, bc)
		if err != nil {
			return nil, fmt.Errorf("board: %w", err)
		}
		mix, err := robust.NewMixture(bc)
		if err != nil {
			return nil, err
		}
		twin, err := robust.NewCacheModel(net, mix, robust.Head{Name: "board float twin", Theta: float64(bc.Theta), Lambda: float64(bc.Lambda)})
		if err != nil {
			return nil, fmt.Errorf("board: %w", err)
		}
		s.targets = append(s.targets, robust.Target{Name: "board int8 + cache", Decide: board, Grad: twin})
	}
	set, err := dataset.Open(*f.data, *f.split)
	if err != nil {
		return nil, err
	}
	// The paper shuffles the test set with its seed and takes the first n.
	perm := rand.New(rand.NewPCG(*f.seed, 0x5eed)).Perm(set.Len())
	for _, i := range perm[:min(*f.n, set.Len())] {
		x := make([]float32, model.InputLen)
		if err := set.Load(i, x); err != nil {
			return nil, err
		}
		s.images = append(s.images, x)
		s.labels = append(s.labels, set.Label(i))
	}
	return s, nil
}

func runAttack(args []string, stdout io.Writer) error {
	fs := newFlags("attack", "-model M -data D -attack fgsm|ifgsm|pixel|blur [-cache C] [-quant Q -board-cache C4 | -bundle B] [-n 2500] [-seed S] [-json]")
	rf := addRobustFlags(fs, 2500)
	kindName := fs.String("attack", "fgsm", "fgsm (50 epsilons up to 0.5), ifgsm (50 epsilons, 10 steps), pixel (single pixel, up to 1,000), blur (Gaussian, 50 strengths)")
	white := fs.Bool("whitebox", true, "also attack each cache model through its own mixture (the gradient-masking check)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	kind, err := robust.ParseKind(*kindName)
	if err != nil {
		return usageError{err}
	}
	s, err := rf.open()
	if err != nil {
		return err
	}
	base, err := robust.NewNetwork(s.net)
	if err != nil {
		return err
	}
	var bar *progress
	logged := newProgressLog(os.Stderr, string(kind), time.Minute)
	rep, err := robust.Study(kind, base, s.targets, s.images, s.labels, *rf.seed, *white, func(done, total int) {
		if bar == nil {
			bar = newProgress(total, string(kind))
		}
		bar.add(1)
		logged.update(done, total)
	})
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return err
	}
	if *asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		return e.Encode(rep)
	}
	fmt.Fprintf(stdout, "%s on %d images (seed %d): %d black-box adversarials fool the baseline, median relative L2 %.4f\n\n",
		rep.Attack, rep.Images, rep.Seed, rep.Adversarials, rep.BlackBoxL2)
	fmt.Fprintln(stdout, "| model | clean top-1 | black-box top-1 | white-box top-1 | white-box fooled | white-box median rel. L2 |")
	fmt.Fprintln(stdout, "| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rep.Rows {
		wb := fmt.Sprintf("%.1f%% | %.1f%% | %.4f", 100*r.WhiteBox, 100*r.Fooled, r.MedianL2)
		if !*white && r.Model != base.Name() {
			wb = "- | - | -"
		}
		fmt.Fprintf(stdout, "| %s | %.1f%% | %.1f%% | %s |\n", r.Model, 100*r.Clean, 100*r.BlackBox, wb)
	}
	return nil
}

// progressLog writes a line of progress every period to a log (stderr that
// is a file or pipe, where the bar stays silent): the studies run for an
// hour and more under nohup.
type progressLog struct {
	w      io.Writer
	what   string
	period time.Duration
	start  time.Time
	last   time.Time
}

func newProgressLog(f *os.File, what string, period time.Duration) *progressLog {
	if term.IsTerminal(int(f.Fd())) {
		return nil
	}
	now := time.Now()
	return &progressLog{w: f, what: what, period: period, start: now, last: now}
}

func (p *progressLog) update(done, total int) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < p.period && done < total {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	eta := ""
	if done > 0 && done < total {
		eta = fmt.Sprintf(", about %s left", (time.Duration(float64(el) * float64(total-done) / float64(done))).Round(time.Second))
	}
	fmt.Fprintf(p.w, "%s %s: %d of %d image attacks done in %s%s\n", now.Format("15:04:05"), p.what, done, total, el.Round(time.Second), eta)
}
