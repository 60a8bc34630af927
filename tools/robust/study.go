package robust

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/edgecache/edgecache/model"
)

// Target is one model of a study: Decide classifies, Grad (nil for decision
// attacks, or when it is Decide itself) gives the white-box gradients. For
// the board, Decide is the int8 network with the cache and Grad its float
// twin (float network + the same cache): the int8 network has no gradient.
type Target struct {
	Name   string
	Decide Classifier
	Grad   Differentiable
}

// Row is one model's figures under one attack.
type Row struct {
	Model string `json:"model"`
	// Clean is the top-1 on the clean images of the study.
	Clean float64 `json:"clean_top1"`
	// BlackBox is the top-1 on the adversarial images made against the
	// baseline network (those that fool it), scored against the true labels.
	BlackBox float64 `json:"blackbox_top1"`
	// WhiteBox is the top-1 when the model itself is attacked: an image
	// counts when the model was right and the attack found nothing.
	WhiteBox float64 `json:"whitebox_top1"`
	// Fooled is the share of images the white-box attack fooled (against the
	// model's own clean prediction, the paper's criterion).
	Fooled float64 `json:"whitebox_fooled"`
	// MedianL2 is the white-box adversarials' median relative L2 size.
	MedianL2 float64 `json:"whitebox_median_rel_l2"`
	Evals    int     `json:"whitebox_evals"`
	Grads    int     `json:"whitebox_grads"`
}

// Report is a study of one attack.
type Report struct {
	Attack string `json:"attack"`
	Images int    `json:"images"`
	Seed   uint64 `json:"seed"`
	// Adversarials is how many black-box images fooled the baseline, and
	// BlackBoxL2 their median relative L2 size.
	Adversarials int     `json:"blackbox_adversarials"`
	BlackBoxL2   float64 `json:"blackbox_median_rel_l2"`
	Rows         []Row   `json:"rows"`
}

// Study runs the paper's black-box protocol (adversarials made against
// baseline, kept where they fool it, scored by every target) and the
// white-box check (each target attacked through its own gradient, or its own
// decisions for the pixel and blur attacks). progress, when not nil, is
// called after each attacked image with the count done and the total.
func Study(kind Kind, baseline Differentiable, targets []Target, images [][]float32, labels []int, seed uint64, whiteBox bool, progress func(done, total int)) (*Report, error) {
	if len(images) != len(labels) || len(images) == 0 {
		return nil, fmt.Errorf("robust: %d images and %d labels", len(images), len(labels))
	}
	rep := &Report{Attack: string(kind), Images: len(images), Seed: seed}
	total := len(images)
	if whiteBox {
		total *= 1 + len(targets) // the baseline's white-box attack is the black-box one
	}
	done := 0
	tick := func() {
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	flat := func(xs [][]float32) []float32 {
		out := make([]float32, 0, len(xs)*model.InputLen)
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	top1 := func(c Classifier, xs [][]float32, ys []int) (float64, error) {
		if len(xs) == 0 {
			return 0, nil
		}
		ps, err := c.Probs(flat(xs), len(xs))
		if err != nil {
			return 0, err
		}
		right := 0
		for i, p := range ps {
			if argmax(p) == ys[i] {
				right++
			}
		}
		return float64(right) / float64(len(xs)), nil
	}

	// Black box: against the baseline network.
	basePs, err := baseline.Probs(flat(images), len(images))
	if err != nil {
		return nil, err
	}
	var advs [][]float32
	var advLabels []int
	var sizes []float64
	// The baseline's white-box row is this same attack.
	base := Row{Model: baseline.Name()}
	preds := make([]int, len(images))
	for i, p := range basePs {
		preds[i] = argmax(p)
	}
	right := 0
	err = attackBatches(kind, baseline, baseline, images, preds, seed, func(i int, r Result) {
		base.Evals += r.Evals
		base.Grads += r.Grads
		if r.Adv == nil && preds[i] == labels[i] {
			right++
		}
		if r.Adv != nil {
			advs = append(advs, r.Adv)
			advLabels = append(advLabels, labels[i])
			sizes = append(sizes, RelativeL2(r.Adv, images[i]))
		}
		tick()
	})
	if err != nil {
		return nil, fmt.Errorf("robust: black-box %s: %w", kind, err)
	}
	rep.Adversarials = len(advs)
	rep.BlackBoxL2 = median(sizes)
	base.WhiteBox = float64(right) / float64(len(images))
	base.Fooled = float64(len(advs)) / float64(len(images))
	base.MedianL2 = rep.BlackBoxL2

	all := append([]Target{{Name: baseline.Name(), Decide: baseline, Grad: baseline}}, targets...)
	for t, tg := range all {
		row := Row{Model: tg.Name}
		if t == 0 {
			row = base
		}
		ps, err := tg.Decide.Probs(flat(images), len(images))
		if err != nil {
			return nil, err
		}
		preds := make([]int, len(images))
		for i, p := range ps {
			if preds[i] = argmax(p); preds[i] == labels[i] {
				row.Clean++
			}
		}
		row.Clean /= float64(len(images))
		if row.BlackBox, err = top1(tg.Decide, advs, advLabels); err != nil {
			return nil, err
		}
		if whiteBox && t > 0 {
			if err := whiteBoxRow(&row, kind, tg, images, labels, preds, seed, tick); err != nil {
				return nil, err
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// studyBatch is how many images an attack advances together: a cache
// model's decisions and gradients for them are one scan of its keys each.
const studyBatch = 128

// attackBatches attacks images (with reference labels preds) studyBatch at a
// time, each image with the rng of (seed, its index), and hands each result
// to done in image order.
func attackBatches(kind Kind, g Differentiable, decide Classifier, images [][]float32, preds []int, seed uint64, done func(int, Result)) error {
	for i0 := 0; i0 < len(images); i0 += studyBatch {
		i1 := min(i0+studyBatch, len(images))
		rngs := make([]*rand.Rand, 0, i1-i0)
		for i := i0; i < i1; i++ {
			rngs = append(rngs, rand.New(rand.NewPCG(seed, uint64(i))))
		}
		rs, err := AttackBatch(kind, g, decide, images[i0:i1], preds[i0:i1], rngs)
		if err != nil {
			return fmt.Errorf("images %d to %d: %w", i0, i1-1, err)
		}
		for k, r := range rs {
			done(i0+k, r)
		}
	}
	return nil
}

// whiteBoxRow attacks tg through its own gradient (or decisions); preds are
// its predictions of the clean images.
func whiteBoxRow(row *Row, kind Kind, tg Target, images [][]float32, labels, preds []int, seed uint64, tick func()) error {
	g := tg.Grad
	if g == nil {
		if d, ok := tg.Decide.(Differentiable); ok {
			g = d
		}
	}
	var sizes []float64
	right, fooled := 0, 0
	err := attackBatches(kind, g, tg.Decide, images, preds, seed, func(i int, r Result) {
		row.Evals += r.Evals
		row.Grads += r.Grads
		if r.Adv != nil {
			fooled++
			sizes = append(sizes, RelativeL2(r.Adv, images[i]))
		} else if preds[i] == labels[i] {
			right++
		}
		tick()
	})
	if err != nil {
		return fmt.Errorf("robust: white-box %s on %s: %w", kind, tg.Name, err)
	}
	row.WhiteBox = float64(right) / float64(len(images))
	row.Fooled = float64(fooled) / float64(len(images))
	row.MedianL2 = median(sizes)
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
