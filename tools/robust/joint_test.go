package robust

import (
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
)

// TestJointEqualsSingle checks that scoring models together changes nothing:
// the joint probabilities of two heads over one cache (one scan) and of
// models that share nothing equal each model's own, and a Study's rows for
// the decision attacks (every target attacked at once on the same
// candidates, over more than one batch) equal each target attacked alone.
func TestJointEqualsSingle(t *testing.T) {
	net := testNet(t)
	mixA, err := NewMixture(testCache(t, net, cache.PoolAvg2, true))
	if err != nil {
		t.Fatal(err)
	}
	mixB, err := NewMixture(testCache(t, net, cache.PoolNone, false))
	if err != nil {
		t.Fatal(err)
	}
	var targets []Target
	for _, tc := range []struct {
		mix  *Mixture
		head Head
	}{
		// Sharp heads, so that small changes of the image move p_cache.
		{mixA, Head{"Cache3", 300, 0.6}},
		{mixB, Head{"other cache", 300, 0.9}},
		{mixA, Head{"CacheOnly", 300, 1}},
	} {
		m, err := NewCacheModel(net, tc.mix, tc.head)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, Target{Name: tc.head.Name, Decide: m, Grad: m})
	}
	base, err := NewNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	cs := []Classifier{base}
	for _, tg := range targets {
		cs = append(cs, tg.Decide)
	}
	j := newJoint(cs)
	if len(j.groups) != 3 {
		t.Fatalf("%d groups, want 3 (baseline, the two heads of one cache, the other cache)", len(j.groups))
	}

	defer func(b int) { decisionBatch = b }(decisionBatch)
	decisionBatch = 4 // n spans two batches
	rng := rand.New(rand.NewPCG(31, 32))
	const n = 7
	xs := boundaryImages(t, base, rng, n)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	// Each model on a different subset of the images.
	need := func(t, k int) bool { return (t+k)%3 != 0 }
	ps, err := j.probs(flatten(xs), n, need)
	if err != nil {
		t.Fatal(err)
	}
	for tc, c := range cs {
		alone, err := c.Probs(flatten(xs), n)
		if err != nil {
			t.Fatal(err)
		}
		for k := range xs {
			if !need(tc, k) {
				continue
			}
			for y := range alone[k] {
				if ps[tc][k][y] != alone[k][y] {
					t.Fatalf("%s image %d: joint p %v, alone %v", c.Name(), k, ps[tc][k], alone[k])
				}
			}
		}
	}
	if _, err := j.probs(flatten(xs)[1:], n, every); err == nil {
		t.Error("short pixels accepted")
	}

	const seed = 9
	blackBoxes := 0
	fooled := make([]float64, len(targets))
	for _, kind := range []Kind{Blur, Pixel} {
		calls, last := 0, 0
		rep, err := Study(kind, base, targets, xs, labels, seed, true, func(done, total int) {
			calls++
			if done != last+1 || total != n*(1+len(targets)) {
				t.Fatalf("%s: progress %d of %d after %d", kind, done, total, last)
			}
			last = done
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != n*(1+len(targets)) {
			t.Errorf("%s: progress called %d times, want %d", kind, calls, n*(1+len(targets)))
		}
		if len(rep.Rows) != 1+len(targets) {
			t.Fatalf("%s: %d rows", kind, len(rep.Rows))
		}
		for tn, tg := range targets {
			pc, err := tg.Decide.Probs(flatten(xs), n)
			if err != nil {
				t.Fatal(err)
			}
			preds := make([]int, n)
			for i, p := range pc {
				preds[i] = argmax(p)
			}
			rngs := make([]*rand.Rand, n)
			for i := range rngs {
				rngs[i] = rand.New(rand.NewPCG(seed, uint64(i)))
			}
			rs, err := AttackBatch(kind, nil, tg.Decide, xs, preds, rngs)
			if err != nil {
				t.Fatal(err)
			}
			want := Row{Model: tg.Name}
			var sizes []float64
			for i, r := range rs {
				want.Evals += r.Evals
				if r.Adv != nil {
					want.Fooled++
					sizes = append(sizes, RelativeL2(r.Adv, xs[i]))
				} else if preds[i] == labels[i] {
					want.WhiteBox++
				}
				if preds[i] == labels[i] {
					want.Clean++
				}
			}
			want.Clean /= n
			want.WhiteBox /= n
			want.Fooled /= n
			want.MedianL2 = median(sizes)
			got := rep.Rows[1+tn]
			// Black box: the baseline's adversarials scored by this model alone.
			var advs [][]float32
			var advLabels []int
			for i, x := range xs {
				r, err := Attack(kind, base, base, x, basePred(t, base, x), rand.New(rand.NewPCG(seed, uint64(i))))
				if err != nil {
					t.Fatal(err)
				}
				if r.Adv != nil {
					advs = append(advs, r.Adv)
					advLabels = append(advLabels, labels[i])
				}
			}
			if len(advs) != rep.Adversarials {
				t.Fatalf("%s: %d black-box adversarials alone, %d in the study", kind, len(advs), rep.Adversarials)
			}
			blackBoxes += len(advs)
			if len(advs) > 0 {
				pa, err := tg.Decide.Probs(flatten(advs), len(advs))
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range pa {
					if argmax(p) == advLabels[i] {
						want.BlackBox++
					}
				}
				want.BlackBox /= float64(len(advs))
			}
			if got != want {
				t.Errorf("%s on %s: joint row %+v, alone %+v", kind, tg.Name, got, want)
			}
			fooled[tn] += want.Fooled
		}
	}
	if blackBoxes == 0 {
		t.Error("no black-box adversarial: the black-box comparison is empty")
	}
	for tn, f := range fooled {
		if f == 0 {
			t.Errorf("%s: fooled by neither attack, the white-box comparison is empty", targets[tn].Name)
		}
	}
}

// basePred is the baseline's label of x, the black-box attack's reference.
func basePred(t *testing.T, base *Network, x []float32) int {
	t.Helper()
	ps, err := base.Probs(x, 1)
	if err != nil {
		t.Fatal(err)
	}
	return argmax(ps[0])
}

// boundaryImages returns n images near the baseline's decision boundary
// (blends of two images it labels differently, bisected to within 1e-3), so
// that the decision attacks fool it and the black-box path has adversarials.
func boundaryImages(t *testing.T, base *Network, rng *rand.Rand, n int) [][]float32 {
	t.Helper()
	// Images of random colour: the random network tells some apart.
	img := func() []float32 {
		x := make([]float32, model.InputLen)
		plane := model.InputSize * model.InputSize
		for c := 0; c < model.InputChannels; c++ {
			m := 0.1 + 0.8*rng.Float32()
			for i := c * plane; i < (c+1)*plane; i++ {
				x[i] = m + 0.1*(rng.Float32()-0.5)
			}
		}
		return x
	}
	blend := func(a, b []float32, w float32) []float32 {
		x := make([]float32, len(a))
		for i := range x {
			x[i] = w*a[i] + (1-w)*b[i]
		}
		return x
	}
	var out [][]float32
	for tries := 0; len(out) < n && tries < 1000; tries++ {
		a, b := img(), img()
		la, lb := basePred(t, base, a), basePred(t, base, b)
		if la == lb {
			continue
		}
		lo, hi := float32(0), float32(1) // label lb at lo, la at hi
		for hi-lo > 1e-3 {
			mid := (lo + hi) / 2
			if basePred(t, base, blend(a, b, mid)) == la {
				hi = mid
			} else {
				lo = mid
			}
		}
		out = append(out, blend(a, b, hi))
	}
	if len(out) < n {
		t.Fatalf("found %d of %d images the random network labels differently", len(out), n)
	}
	return out
}
