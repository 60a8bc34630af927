package robust

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

func testNet(t *testing.T) *model.Net {
	t.Helper()
	// Small weights keep the random network's logits moderate, so float32
	// forward passes leave the finite differences meaningful.
	w := modeltest.RandomWeights(8, 10, true, 11)
	for k, v := range w {
		if strings.HasSuffix(k, "conv1.weight") || strings.HasSuffix(k, "conv2.weight") || k == "fc.weight" {
			for i := range v.Data {
				v.Data[i] *= 0.5
			}
		}
	}
	n, err := model.Build(model.Spec{Name: "random", Norm: modeltest.CIFARNorm}, w)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func randomImage(rng *rand.Rand) []float32 {
	x := make([]float32, model.InputLen)
	for i := range x {
		x[i] = 0.1 + 0.8*rng.Float32()
	}
	return x
}

// testCache fills a cache with keys of random images through the network, for
// a spec with pooling and, when proj, a random projection.
func testCache(t *testing.T, net *model.Net, pool cache.Pool, proj bool) *cache.Cache {
	t.Helper()
	taps := []string{"layer3.0.relu", "layer3.0"}
	spec := cache.Spec{}
	for _, name := range taps {
		info, err := net.Tap(name)
		if err != nil {
			t.Fatal(err)
		}
		spec.Taps = append(spec.Taps, cache.TapSpec{Name: name, C: info.C, H: info.H, W: info.W, Pool: pool})
	}
	rng := rand.New(rand.NewPCG(4, 4))
	if proj {
		raw := spec.RawDim()
		w := make([]float32, 16*raw)
		for i := range w {
			w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(raw)))
		}
		p, err := cache.NewProjection(16, raw, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		spec.Proj = p
	}
	c, err := cache.New(spec, net.Classes)
	if err != nil {
		t.Fatal(err)
	}
	run, err := net.NewRunner(1, taps...)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]float32, spec.Dim())
	for i := 0; i < 60; i++ {
		if _, err := run.Run(randomImage(rng), 1); err != nil {
			t.Fatal(err)
		}
		if err := spec.Key(key, [][]float32{run.Tap(taps[0]), run.Tap(taps[1])}); err != nil {
			t.Fatal(err)
		}
		if err := c.AddWeighted(key, i%10, 1+i%3); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestMixtureGradient checks the white-box gradient of the cache model
// (network softmax, key taps, pooling, projection, L2 normalisation,
// exp(theta k.q), class sums, the mix) against central differences of its
// probabilities, along random directions.
func TestMixtureGradient(t *testing.T) {
	net := testNet(t)
	for _, tc := range []struct {
		pool cache.Pool
		proj bool
		head Head
	}{
		{cache.PoolNone, false, Head{"Cache3", 30, 0.5}},
		{cache.PoolAvg2, true, Head{"Cache3", 20, 0.6}},
		{cache.PoolAvg, false, Head{"CacheOnly", 25, 1}},
	} {
		c := testCache(t, net, tc.pool, tc.proj)
		mix, err := NewMixture(c)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewCacheModel(net, mix, tc.head)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 8))
		x := randomImage(rng)
		seed := make([]float64, 10)
		for i := range seed {
			seed[i] = rng.NormFloat64()
		}
		g := [][]float32{make([]float32, len(x))}
		p0, err := m.Backward(g, x, [][]float64{seed})
		if err != nil {
			t.Fatal(err)
		}
		f := func(x []float32) float64 {
			ps, err := m.Probs(x, 1)
			if err != nil {
				t.Fatal(err)
			}
			var s float64
			for i, v := range ps[0] {
				s += seed[i] * v
			}
			return s
		}
		ps, err := m.Probs(x, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p0 {
			if math.Abs(p0[i]-ps[0][i]) > 1e-5 {
				t.Errorf("%v: Backward's p %v and Probs' %v differ", tc, p0, ps[0])
				break
			}
		}
		bad := 0
		for k := 0; k < 6; k++ {
			d := make([]float32, len(x))
			var nn float64
			for i := range d {
				d[i] = float32(rng.NormFloat64())
				nn += float64(d[i]) * float64(d[i])
			}
			const h = 2e-3
			xp, xm := make([]float32, len(x)), make([]float32, len(x))
			var analytic, hp float64
			for i := range d {
				di := float64(d[i]) / math.Sqrt(nn)
				xp[i] = float32(float64(x[i]) + h*di)
				xm[i] = float32(float64(x[i]) - h*di)
				analytic += float64(g[0][i]) * di
				hp += float64(xp[i]-xm[i]) * di
			}
			numeric := (f(xp) - f(xm)) / hp
			if math.Abs(numeric-analytic) > 0.03*max(math.Abs(analytic), math.Abs(numeric))+2e-5/h {
				bad++
				t.Logf("%v direction %d: analytic %.6g, central difference %.6g", tc, k, analytic, numeric)
			}
		}
		if bad > 1 {
			t.Errorf("%v: %d of 6 directions disagree", tc, bad)
		}
	}
}

func TestGaussianBlur(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randomImage(rng)
	y := make([]float32, len(x))
	// A constant image stays constant (the kernel sums to 1, reflection keeps
	// the edges), whatever sigma, even past the image size.
	c := make([]float32, len(x))
	for i := range c {
		c[i] = 0.25
	}
	for _, s := range []float64{0.3, 3, 32} {
		GaussianBlur(y, c, s)
		for i, v := range y {
			if math.Abs(float64(v)-0.25) > 1e-6 {
				t.Fatalf("sigma %v: constant image changed at %d: %v", s, i, v)
			}
		}
	}
	// Blur keeps each channel's mean (reflection conserves it) and lowers
	// its variance.
	GaussianBlur(y, x, 2)
	const plane = model.InputSize * model.InputSize
	for ch := 0; ch < 3; ch++ {
		var mx, my, vx, vy float64
		for i := ch * plane; i < (ch+1)*plane; i++ {
			mx += float64(x[i])
			my += float64(y[i])
		}
		mx /= plane
		my /= plane
		for i := ch * plane; i < (ch+1)*plane; i++ {
			vx += (float64(x[i]) - mx) * (float64(x[i]) - mx)
			vy += (float64(y[i]) - my) * (float64(y[i]) - my)
		}
		if math.Abs(mx-my) > 1e-4 || vy > vx/4 {
			t.Errorf("channel %d: mean %v -> %v, variance %v -> %v", ch, mx, my, vx, vy)
		}
	}
}

// TestAttacksFool runs every attack against the random network and checks
// that what they return does fool it, stays in [0, 1], and that the seeded
// pixel attack repeats.
func TestAttacksFool(t *testing.T) {
	net := testNet(t)
	m, err := NewNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	found := map[Kind]int{}
	for img := 0; img < 4; img++ {
		x := randomImage(rng)
		ps, err := m.Probs(x, 1)
		if err != nil {
			t.Fatal(err)
		}
		label := argmax(ps[0])
		for _, k := range []Kind{FGSM, IFGSM, Pixel, Blur} {
			r, err := Attack(k, m, m, x, label, rand.New(rand.NewPCG(5, uint64(img))))
			if err != nil {
				t.Fatal(err)
			}
			if r.Adv == nil {
				continue
			}
			found[k]++
			pa, err := m.Probs(r.Adv, 1)
			if err != nil {
				t.Fatal(err)
			}
			if argmax(pa[0]) == label {
				t.Errorf("%s: returned image keeps label %d", k, label)
			}
			for _, v := range r.Adv {
				if v < 0 || v > 1 {
					t.Fatalf("%s: pixel %v outside [0, 1]", k, v)
				}
			}
			if k == Pixel {
				r2, err := Attack(k, m, m, x, label, rand.New(rand.NewPCG(5, uint64(img))))
				if err != nil {
					t.Fatal(err)
				}
				if l2(r.Adv, r2.Adv) != 0 {
					t.Error("pixel attack not reproducible from its seed")
				}
			}
		}
	}
	for _, k := range []Kind{FGSM, IFGSM} {
		if found[k] == 0 {
			t.Errorf("%s fooled the random network on none of 4 images", k)
		}
	}
	if _, err := ParseKind("cw"); err == nil {
		t.Error("unknown attack accepted")
	}
	if _, err := Attack(FGSM, nil, m, make([]float32, model.InputLen), 0, rng); err == nil {
		t.Error("FGSM without gradients accepted")
	}
	if _, err := Attack(Blur, nil, m, make([]float32, 5), 0, rng); err == nil {
		t.Error("short image accepted")
	}
}

func TestJacobian(t *testing.T) {
	net := testNet(t)
	m, err := NewNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	x := randomImage(rand.New(rand.NewPCG(1, 2)))
	j, err := JacobianAt(m, x)
	if err != nil {
		t.Fatal(err)
	}
	// The softmax's outputs sum to 1, so the rows of its Jacobian sum to
	// zero: rank at most 9, the smallest singular value ~0. The squares of
	// the singular values add up to the squared Frobenius norm.
	var ss float64
	for _, s := range j.Singular {
		ss += s * s
	}
	if len(j.Singular) != 10 || math.Abs(ss-j.Frobenius*j.Frobenius) > 1e-6*ss {
		t.Errorf("singular values %v, Frobenius %v", j.Singular, j.Frobenius)
	}
	if j.Singular[9] > 1e-4*j.Singular[0] {
		t.Errorf("smallest singular value %v of %v: rows should sum to zero", j.Singular[9], j.Singular[0])
	}
	// The batched path gives each image's own figures.
	xs := [][]float32{randomImage(rand.New(rand.NewPCG(3, 4))), x}
	js, err := Jacobians(m, xs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 2 || math.Abs(js[1].Frobenius-j.Frobenius) > 1e-9*j.Frobenius || js[0].Frobenius == js[1].Frobenius {
		t.Errorf("batched Frobenius norms %v, alone %v", js, j.Frobenius)
	}
}

// TestBatchEqualsSingle checks the batched paths against one image at a
// time: the cache model's gradients and probabilities (one scan of the keys
// for the batch) and every attack's results.
func TestBatchEqualsSingle(t *testing.T) {
	net := testNet(t)
	c := testCache(t, net, cache.PoolAvg2, true)
	mix, err := NewMixture(c)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewCacheModel(net, mix, Head{"Cache3", 20, 0.6})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 5
	xs := make([][]float32, n)
	dst := make([][][]float32, n)
	seeds := make([][][]float64, n)
	for i := range xs {
		xs[i] = randomImage(rng)
		for k := 0; k < 2; k++ {
			s := make([]float64, 10)
			for j := range s {
				s[j] = rng.NormFloat64()
			}
			seeds[i] = append(seeds[i], s)
			dst[i] = append(dst[i], make([]float32, len(xs[i])))
		}
	}
	ps, err := m.BackwardBatch(dst, xs, seeds)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		one := [][]float32{make([]float32, len(x)), make([]float32, len(x))}
		p, err := m.Backward(one, x, seeds[i])
		if err != nil {
			t.Fatal(err)
		}
		for j := range p {
			if math.Abs(p[j]-ps[i][j]) > 1e-12 {
				t.Fatalf("image %d: batched p %v, alone %v", i, ps[i], p)
			}
		}
		for k := range one {
			var dd, nn float64
			for j, v := range one[k] {
				d := float64(v) - float64(dst[i][k][j])
				dd += d * d
				nn += float64(v) * float64(v)
			}
			if nn == 0 || dd > 1e-10*nn {
				t.Errorf("image %d seed %d: batched gradient differs from the single one (|d|^2 %g of %g)", i, k, dd, nn)
			}
		}
	}
	if _, err := m.BackwardBatch(dst[:2], xs, seeds); err == nil {
		t.Error("mismatched batch accepted")
	}

	// Attacks: batched results equal the single-image ones.
	base, err := NewNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, n)
	pb, err := m.Probs(flatten(xs), n)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pb {
		labels[i] = argmax(p)
	}
	for _, k := range []Kind{FGSM, IFGSM, Pixel, Blur} {
		for _, tg := range []Differentiable{base, m} {
			if k == Pixel && tg == Differentiable(m) {
				continue // 2,000 cache lookups per image: the network covers the logic
			}
			rngs := make([]*rand.Rand, n)
			for i := range rngs {
				rngs[i] = rand.New(rand.NewPCG(3, uint64(i)))
			}
			rs, err := AttackBatch(k, tg, tg, xs, labels, rngs)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range xs {
				r, err := Attack(k, tg, tg, x, labels[i], rand.New(rand.NewPCG(3, uint64(i))))
				if err != nil {
					t.Fatal(err)
				}
				if (r.Adv == nil) != (rs[i].Adv == nil) || r.Evals != rs[i].Evals || r.Grads != rs[i].Grads {
					t.Errorf("%s on %s, image %d: alone found %v (%d evals, %d grads), batched %v (%d, %d)", k, tg.Name(), i,
						r.Adv != nil, r.Evals, r.Grads, rs[i].Adv != nil, rs[i].Evals, rs[i].Grads)
					continue
				}
				if r.Adv != nil && l2(r.Adv, rs[i].Adv) > 1e-6 {
					t.Errorf("%s on %s, image %d: batched adversarial differs by %g", k, tg.Name(), i, l2(r.Adv, rs[i].Adv))
				}
			}
		}
	}
}

func flatten(xs [][]float32) []float32 {
	var out []float32
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

// TestCacheModelScoresAsBoard: the differentiable cache model (float64 sums,
// for the gradients) gives the probabilities of the library's lookup on the
// same network: the cache's TapProbs at the head's theta (float32, the
// board's kernels) mixed by cache.Mix, item weights included. The two differ
// only in rounding: keys and queries are unit vectors, so each float32
// similarity is within gamma(dim+2) of the exact one on either path (Higham,
// eq. 3.5), twice that apart; a ratio of sums of exp(theta s) then moves by
// at most exp(4 theta delta) - 1 relative, and the exponentials add
// 2 (3e-7 + 33e-9) (cache/exps.go, the host ladder). The same lookup on the
// cache with its weights dropped must differ by more than that somewhere, or
// the comparison could not see a mixture that ignores them.
func TestCacheModelScoresAsBoard(t *testing.T) {
	net := testNet(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 6
	images := make([]float32, 0, n*model.InputLen)
	for range n {
		images = append(images, randomImage(rng)...)
	}
	for _, tc := range []struct {
		pool cache.Pool
		proj bool
		head Head
	}{
		{cache.PoolNone, false, Head{"Cache3", 30, 0.5}},
		{cache.PoolAvg2, true, Head{"Cache3", 20, 0.6}},
		{cache.PoolAvg, false, Head{"CacheOnly", 25, 1}},
	} {
		// testCache's weights give every class the same total; here they
		// differ between classes (1 to 3 against 37 to 39), as k-means
		// prototypes' cluster sizes do.
		base := testCache(t, net, tc.pool, tc.proj)
		spec := base.Spec()
		c, err := cache.New(spec, base.Classes())
		if err != nil {
			t.Fatal(err)
		}
		plain, err := cache.New(spec, base.Classes())
		if err != nil {
			t.Fatal(err)
		}
		var key []float32
		for i := range base.Len() {
			key = base.Key(key, i)
			y := base.Label(i)
			if err := c.AddWeighted(key, y, 1+i%3+4*y); err != nil {
				t.Fatal(err)
			}
			if err := plain.Add(key, y); err != nil {
				t.Fatal(err)
			}
		}
		mix, err := NewMixture(c)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewCacheModel(net, mix, tc.head)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Probs(images, n)
		if err != nil {
			t.Fatal(err)
		}
		taps := make([]string, len(spec.Taps))
		for i, tp := range spec.Taps {
			taps[i] = tp.Name
		}
		run, err := net.NewRunner(1, taps...)
		if err != nil {
			t.Fatal(err)
		}
		board := func(c *cache.Cache, dst, pNet []float32, tv [][]float32) {
			c.Theta = float32(tc.head.Theta)
			pCache := make([]float32, c.Classes())
			if err := c.TapProbs(pCache, c.NewScratch(), tv); err != nil {
				t.Fatal(err)
			}
			if err := cache.Mix(dst, pNet, pCache, float32(tc.head.Lambda)); err != nil {
				t.Fatal(err)
			}
		}
		u := math.Ldexp(1, -24)
		nd := float64(spec.RawDim() + 2)
		rel := math.Expm1(4*tc.head.Theta*nd*u/(1-nd*u)) + 2*(3e-7+33e-9)
		pNet, want, unweighted := make([]float32, net.Classes), make([]float32, net.Classes), make([]float32, net.Classes)
		sensitive := false
		for i := range n {
			logits, err := run.Run(images[i*model.InputLen:(i+1)*model.InputLen], 1)
			if err != nil {
				t.Fatal(err)
			}
			tv := make([][]float32, len(taps))
			for k, name := range taps {
				tv[k] = run.Tap(name)
			}
			model.Softmax(pNet, logits)
			board(c, want, pNet, tv)
			board(plain, unweighted, pNet, tv)
			for y, w := range want {
				tol := rel*float64(w) + 1e-7
				if d := math.Abs(got[i][y] - float64(w)); d > tol {
					t.Errorf("%v image %d class %d: cache model %.7g, board lookup %.7g (tolerance %.3g)", tc.head, i, y, got[i][y], w, tol)
				}
				if math.Abs(float64(unweighted[y]-w)) > 2*tol {
					sensitive = true
				}
			}
		}
		if !sensitive {
			t.Errorf("%v: the cache without its weights scores within the tolerance: the test cannot see dropped weights", tc.head)
		}
	}
}
