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
// called as attacked images are done with the count done and the total.
//
// Targets that share one network and one cache (Cache3 and CacheOnly) are
// scored together, one scan of the keys for all their heads; the decision
// attacks' white-box searches run every target at once on the same
// candidates. The figures are those of each target alone (TestJointEqualsSingle).
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
	all := append([]Target{{Name: baseline.Name(), Decide: baseline, Grad: baseline}}, targets...)
	deciders := make([]Classifier, len(all))
	for t, tg := range all {
		deciders[t] = tg.Decide
	}
	everyone := newJoint(deciders)

	// Clean predictions of every model, one joint pass.
	cleanPs, err := everyone.probs(flat(images), len(images), every)
	if err != nil {
		return nil, err
	}
	preds := make([][]int, len(all))
	for t := range all {
		preds[t] = make([]int, len(images))
		for i, p := range cleanPs[t] {
			preds[t][i] = argmax(p)
		}
	}

	// Black box: against the baseline network.
	var advs [][]float32
	var advLabels []int
	var sizes []float64
	// The baseline's white-box row is this same attack.
	base := Row{Model: baseline.Name()}
	right := 0
	err = attackBatches(kind, baseline, baseline, images, preds[0], seed, func(i int, r Result) {
		base.Evals += r.Evals
		base.Grads += r.Grads
		if r.Adv == nil && preds[0][i] == labels[i] {
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

	// Every model on the kept adversarials, one joint pass.
	var advPs [][][]float64
	if len(advs) > 0 {
		if advPs, err = everyone.probs(flat(advs), len(advs), every); err != nil {
			return nil, err
		}
	}
	rows := make([]Row, len(all))
	for t, tg := range all {
		rows[t] = Row{Model: tg.Name}
		if t == 0 {
			rows[t] = base
		}
		for i, p := range preds[t] {
			if p == labels[i] {
				rows[t].Clean++
			}
		}
		rows[t].Clean /= float64(len(images))
		if len(advs) > 0 {
			for i, p := range advPs[t] {
				if argmax(p) == advLabels[i] {
					rows[t].BlackBox++
				}
			}
			rows[t].BlackBox /= float64(len(advs))
		}
	}
	if whiteBox && len(targets) > 0 {
		if kind.Gradient() {
			for t := 1; t < len(all); t++ {
				if err := whiteBoxRow(&rows[t], kind, all[t], images, labels, preds[t], seed, tick); err != nil {
					return nil, err
				}
			}
		} else if err := decisionWhiteBox(rows[1:], kind, newJoint(deciders[1:]), images, labels, preds[1:], seed, tick); err != nil {
			return nil, err
		}
	}
	rep.Rows = rows
	return rep, nil
}

// decisionBatch is how many images a joint decision attack advances
// together: up to 64 candidates each per round, so 1,024 queries per scan of
// a cache's keys, and a round short enough for progress to move. A variable
// for the tests.
var decisionBatch = 16

// decisionWhiteBox attacks every classifier of j by its own decisions (the
// pixel and blur attacks) on the same candidates, decisionBatch images at a
// time; rows[t] and preds[t] are classifier t's. Images get the rngs the
// black-box attack gave them, so every model tries the same pixels.
func decisionWhiteBox(rows []Row, kind Kind, j *joint, images [][]float32, labels []int, preds [][]int, seed uint64, tick func()) error {
	sizes := make([][]float64, len(rows))
	right := make([]int, len(rows))
	fooled := make([]int, len(rows))
	for i0 := 0; i0 < len(images); i0 += decisionBatch {
		i1 := min(i0+decisionBatch, len(images))
		rngs := make([]*rand.Rand, 0, i1-i0)
		for i := i0; i < i1; i++ {
			rngs = append(rngs, rand.New(rand.NewPCG(seed, uint64(i))))
		}
		ls := make([][]int, len(rows))
		for t := range ls {
			ls[t] = preds[t][i0:i1]
		}
		rs, err := decisionAttack(kind, j, images[i0:i1], ls, rngs, func(int) {
			for range rows {
				tick()
			}
		})
		if err != nil {
			return fmt.Errorf("robust: white-box %s, images %d to %d: %w", kind, i0, i1-1, err)
		}
		for t := range rows {
			for k, r := range rs[t] {
				i := i0 + k
				rows[t].Evals += r.Evals
				if r.Adv != nil {
					fooled[t]++
					sizes[t] = append(sizes[t], RelativeL2(r.Adv, images[i]))
				} else if preds[t][i] == labels[i] {
					right[t]++
				}
			}
		}
	}
	for t := range rows {
		rows[t].WhiteBox = float64(right[t]) / float64(len(images))
		rows[t].Fooled = float64(fooled[t]) / float64(len(images))
		rows[t].MedianL2 = median(sizes[t])
	}
	return nil
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
