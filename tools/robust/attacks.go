package robust

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/gauss"
)

// The attacks follow Foolbox 1.x (bethgelab/foolbox, foolbox/attacks/
// gradient.py, iterative_gradient.py, localsearch.py SinglePixelAttack,
// blur.py) with the settings of the paper's script (eminorhan/simple-cache,
// adversarial/resnet_adversarial_allkeras.py): the Misclassification
// criterion against the attacked model's own prediction of the clean image,
// FGSM with 50 epsilons up to 0.5, the iterative FGSM with 50 epsilons and 10
// steps, the single-pixel attack on up to 1,000 pixels, the Gaussian blur with
// 50 strengths. The bounds are the pixel range [0, 1] (the paper's were its
// normalised inputs' min and max; an epsilon is a fraction of the range
// either way).

// Kind names an attack.
type Kind string

const (
	FGSM  Kind = "fgsm"
	IFGSM Kind = "ifgsm"
	Pixel Kind = "pixel"
	Blur  Kind = "blur"
)

// ParseKind reads an attack name.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case FGSM, IFGSM, Pixel, Blur:
		return k, nil
	}
	return "", fmt.Errorf("robust: unknown attack %q (want fgsm, ifgsm, pixel or blur)", s)
}

// Gradient reports whether the attack needs input gradients.
func (k Kind) Gradient() bool { return k == FGSM || k == IFGSM }

// Result is one attack on one image.
type Result struct {
	Adv   []float32 // the adversarial image; nil when none was found
	Evals int       // images the decision model scored
	Grads int       // gradients taken
}

// Attack runs kind on image x whose reference label is label (the decision
// model's prediction of x). Gradients come from g (nil for the pixel and
// blur attacks); adversarial-ness is decided by decide, which may differ
// from g: the board's int8 model is scored while its float twin gives the
// gradients. rng orders the single-pixel attack's pixels.
func Attack(kind Kind, g Differentiable, decide Classifier, x []float32, label int, rng *rand.Rand) (Result, error) {
	rs, err := AttackBatch(kind, g, decide, [][]float32{x}, []int{label}, []*rand.Rand{rng})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// AttackBatch is Attack on many images at once, each with its own label and
// rng; the results are those of Attack on each image alone. The images
// advance in lock step, so that every round of gradients and every round of
// decisions is one batch (for a cache model, one scan of its keys), and
// candidates are scored a few at a time in order, so that an image stops
// costing as soon as it is fooled.
func AttackBatch(kind Kind, g Differentiable, decide Classifier, xs [][]float32, labels []int, rngs []*rand.Rand) ([]Result, error) {
	if len(labels) != len(xs) || len(rngs) != len(xs) {
		return nil, fmt.Errorf("robust: %d images, %d labels, %d rngs", len(xs), len(labels), len(rngs))
	}
	for i, x := range xs {
		if len(x) != model.InputLen {
			return nil, fmt.Errorf("robust: image %d has %d values, want %d", i, len(x), model.InputLen)
		}
	}
	if kind.Gradient() && g == nil {
		return nil, fmt.Errorf("robust: %s needs a differentiable model", kind)
	}
	if len(xs) == 0 {
		return nil, nil
	}
	switch kind {
	case FGSM:
		return fgsm(g, decide, xs, labels)
	case IFGSM:
		return ifgsm(g, decide, xs, labels)
	case Pixel, Blur:
		rs, err := decisionAttack(kind, newJoint([]Classifier{decide}), xs, [][]int{labels}, rngs, nil)
		if err != nil {
			return nil, err
		}
		return rs[0], nil
	}
	return nil, fmt.Errorf("robust: unknown attack %q", kind)
}

// decisionAttack runs a decision attack (pixel or blur) on every classifier
// of j at once; labels[t][i] is classifier t's reference label of image i.
func decisionAttack(kind Kind, j *joint, xs [][]float32, labels [][]int, rngs []*rand.Rand, finished func(int)) ([][]Result, error) {
	switch kind {
	case Pixel:
		return singlePixel(j, xs, labels, rngs, 1000, finished)
	case Blur:
		return blur(j, xs, labels, 50, finished)
	}
	return nil, fmt.Errorf("robust: %s is not a decision attack", kind)
}

// linspace is numpy's linspace(0, hi, n+1)[1:].
func linspace(hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = hi * float64(i+1) / float64(n)
	}
	return out
}

// lossSigns is sign(dL/dx) of L = -p[label] at each image, one batch of
// gradients, and g's probabilities of the images. The sign is that of
// -log p[label] too (a positive scale).
func lossSigns(g Differentiable, xs [][]float32, labels []int) ([][]float32, [][]float64, error) {
	dst := make([][][]float32, len(xs))
	seeds := make([][][]float64, len(xs))
	for i, x := range xs {
		dst[i] = [][]float32{make([]float32, len(x))}
		seed := make([]float64, g.Classes())
		seed[labels[i]] = -1
		seeds[i] = [][]float64{seed}
	}
	ps, err := g.BackwardBatch(dst, xs, seeds)
	if err != nil {
		return nil, nil, err
	}
	out := make([][]float32, len(xs))
	for i := range dst {
		s := dst[i][0]
		for j, v := range s {
			switch {
			case v > 0:
				s[j] = 1
			case v < 0:
				s[j] = -1
			}
		}
		out[i] = s
	}
	return out, ps, nil
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// search scores candidates of every image in order: image i has count[i]
// candidates, gen(i, j, dst) writes its j-th. Each round takes the next
// chunk of every image not yet fooled and scores them all in one call of
// decide. It returns the first candidate of each image that decide does not
// label labels[i] (nil when none), and adds the candidates scored to evals.
// It is searchJoint with one classifier.
func search(decide Classifier, labels, count []int, chunk int, gen func(i, j int, dst []float32), evals []int) ([][]float32, error) {
	advs, err := searchJoint(newJoint([]Classifier{decide}), [][]int{labels}, count, chunk, gen, [][]int{evals}, nil)
	if err != nil {
		return nil, err
	}
	return advs[0], nil
}

func step(dst, x, dir []float32, eps float64) {
	for i, v := range x {
		dst[i] = float32(min(1, max(0, float64(v)+eps*float64(dir[i]))))
	}
}

// fgsm: x + eps sign(grad) for eps in linspace(0, 0.5, 50+1)[1:], the first
// that fools; when it is among the first 20, Foolbox repeats with 20 epsilons
// up to it, and so do we (gradient.py, "repeating attack with smaller
// epsilons").
func fgsm(g Differentiable, decide Classifier, xs [][]float32, labels []int) ([]Result, error) {
	dirs, _, err := lossSigns(g, xs, labels)
	if err != nil {
		return nil, err
	}
	res := make([]Result, len(xs))
	evals := make([]int, len(xs))
	eps := make([][]float64, len(xs))
	count := make([]int, len(xs))
	for i := range xs {
		res[i].Grads = 1
		eps[i] = linspace(0.5, 50)
		count[i] = len(eps[i])
	}
	gen := func(i, j int, dst []float32) { step(dst, xs[i], dirs[i], eps[i][j]) }
	advs, err := search(decide, labels, count, 5, gen, evals)
	if err != nil {
		return nil, err
	}
	for i, a := range advs {
		res[i].Adv = a
		count[i] = 0
		if a != nil && evals[i] <= 20 {
			eps[i] = linspace(eps[i][evals[i]-1], 20)
			count[i] = len(eps[i])
		}
	}
	finer, err := search(decide, labels, count, 10, gen, evals)
	if err != nil {
		return nil, err
	}
	for i, a := range finer {
		if a != nil {
			res[i].Adv = a
		}
		res[i].Evals = evals[i]
	}
	return res, nil
}

// ifgsm: for each per-step epsilon in linspace(0, 1/10, 50+1)[1:], ten
// steps x <- clip(x + eps sign(grad at x)) from the clean image. Foolbox runs
// every epsilon and keeps the adversarial of least mean squared distance; we
// stop after the first epsilon that yields one (later ones move further per
// step) and keep the closest of its steps, which bounds the cost at ten
// gradients per epsilon tried. All images not yet fooled take their steps
// together.
func ifgsm(g Differentiable, decide Classifier, xs [][]float32, labels []int) ([]Result, error) {
	same := any(g) == any(decide)
	res := make([]Result, len(xs))
	best := make([]float64, len(xs))
	cur := make([][]float32, len(xs))
	for i := range xs {
		best[i] = math.Inf(1)
		cur[i] = make([]float32, len(xs[i]))
	}
	for _, e := range linspace(1.0/10, 50) {
		var act []int
		for i := range xs {
			if res[i].Adv == nil {
				act = append(act, i)
				copy(cur[i], xs[i])
			}
		}
		if len(act) == 0 {
			break
		}
		ax := make([][]float32, len(act))
		al := make([]int, len(act))
		for k, i := range act {
			ax[k], al[k] = cur[i], labels[i]
		}
		// judge scores the current images of the active ones (ps, or
		// decide's verdict when ps is nil) and keeps the closest adversarial.
		flat := make([]float32, len(act)*model.InputLen)
		judge := func(ps [][]float64) error {
			if ps == nil {
				for k, i := range act {
					copy(flat[k*model.InputLen:], cur[i])
				}
				var err error
				if ps, err = decide.Probs(flat, len(act)); err != nil {
					return err
				}
			}
			for k, i := range act {
				res[i].Evals++
				if argmax(ps[k]) == labels[i] {
					continue
				}
				if d := l2(cur[i], xs[i]); d < best[i] {
					best[i] = d
					res[i].Adv = append(res[i].Adv[:0], cur[i]...)
				}
			}
			return nil
		}
		for s := 0; s < 10; s++ {
			dirs, ps, err := lossSigns(g, ax, al)
			if err != nil {
				return nil, err
			}
			// When g decides too, its probabilities at the current images
			// are the verdict on the previous step: one pass over a cache's
			// keys per step instead of two.
			if same && s > 0 {
				if err := judge(ps); err != nil {
					return nil, err
				}
			}
			for k, i := range act {
				step(cur[i], cur[i], dirs[k], e)
				res[i].Grads++
			}
			if !same || s == 9 {
				if err := judge(nil); err != nil {
					return nil, err
				}
			}
		}
	}
	return res, nil
}

// singlePixel sets one pixel (all channels) to the bounds' min, then max,
// for up to maxPixels pixels in a random order, and returns the first image
// that fools (localsearch.py SinglePixelAttack). Candidates are scored 64 at
// a time, in order, so the first is Foolbox's. It attacks every classifier
// of j at once (labels[t][i]: classifier t's reference label of image i):
// they try the same pixels in the same order, so a candidate is scored once
// for all that still need it. out[t][i] is classifier t on image i.
func singlePixel(j *joint, xs [][]float32, labels [][]int, rngs []*rand.Rand, maxPixels int, finished func(int)) ([][]Result, error) {
	const plane = model.InputSize * model.InputSize
	orders := make([][]int, len(xs))
	count := make([]int, len(xs))
	for i := range xs {
		orders[i] = rngs[i].Perm(plane)[:min(maxPixels, plane)]
		count[i] = 2 * len(orders[i])
	}
	gen := func(i, k int, c []float32) {
		copy(c, xs[i])
		v := float32(k % 2) // 0 (min), then 1 (max)
		for ch := 0; ch < model.InputChannels; ch++ {
			c[ch*plane+orders[i][k/2]] = v
		}
	}
	return decisionSearch(j, labels, count, 64, gen, finished)
}

// decisionSearch runs searchJoint and gathers its results per classifier.
func decisionSearch(j *joint, labels [][]int, count []int, chunk int, gen func(i, c int, dst []float32), finished func(int)) ([][]Result, error) {
	evals := make([][]int, len(j.cs))
	for t := range evals {
		evals[t] = make([]int, len(count))
	}
	advs, err := searchJoint(j, labels, count, chunk, gen, evals, finished)
	if err != nil {
		return nil, err
	}
	out := make([][]Result, len(j.cs))
	for t := range out {
		out[t] = make([]Result, len(count))
		for i := range out[t] {
			out[t][i] = Result{Adv: advs[t][i], Evals: evals[t][i]}
		}
	}
	return out, nil
}

// blur filters each channel with a Gaussian of sigma = eps * 32 for eps in
// linspace(0, 1, 50+1)[1:] and returns the first that fools (blur.py, which
// uses scipy.ndimage.gaussian_filter: truncated at 4 sigma, "reflect"
// boundaries); every classifier of j at once, as singlePixel.
func blur(j *joint, xs [][]float32, labels [][]int, steps int, finished func(int)) ([][]Result, error) {
	eps := linspace(1, steps)
	count := make([]int, len(xs))
	for i := range count {
		count[i] = steps
	}
	gen := func(i, c int, dst []float32) { GaussianBlur(dst, xs[i], eps[c]*model.InputSize) }
	return decisionSearch(j, labels, count, 10, gen, finished)
}

// GaussianBlur writes src (CHW, 32x32 planes) blurred by a Gaussian of
// standard deviation sigma pixels into dst, as scipy.ndimage.gaussian_filter
// with sigma 0 along the channels: separable, the kernel truncated at
// int(4 sigma + 0.5) pixels, boundaries reflected about the edge
// (d c b a | a b c d | d c b a), and clipped to [0, 1].
func GaussianBlur(dst, src []float32, sigma float64) {
	const size = model.InputSize
	r := int(4*sigma + 0.5)
	kern := gauss.Kernel(sigma, r)
	reflect := func(i int) int {
		p := 2 * size
		i = ((i % p) + p) % p
		if i >= size {
			i = p - 1 - i
		}
		return i
	}
	tmp := make([]float64, size*size)
	for c := 0; c < model.InputChannels; c++ {
		in := src[c*size*size : (c+1)*size*size]
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				var s float64
				for k, w := range kern {
					s += w * float64(in[y*size+reflect(x+k-r)])
				}
				tmp[y*size+x] = s
			}
		}
		out := dst[c*size*size : (c+1)*size*size]
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				var s float64
				for k, w := range kern {
					s += w * tmp[reflect(y+k-r)*size+x]
				}
				out[y*size+x] = float32(min(1, max(0, s)))
			}
		}
	}
}

func l2(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// RelativeL2 is ||adv - x|| / ||x||, the paper's perturbation size
// (resnet_adversarial_allkeras.py: np.linalg.norm(adv - real) /
// np.linalg.norm(real); there on its normalised inputs, here on pixels in
// [0, 1]).
func RelativeL2(adv, x []float32) float64 {
	var n float64
	for _, v := range x {
		n += float64(v) * float64(v)
	}
	if n == 0 {
		return math.Inf(1)
	}
	return l2(adv, x) / math.Sqrt(n)
}
