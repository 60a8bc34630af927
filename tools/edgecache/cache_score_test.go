package main

import (
	"bytes"
	"math"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/tools/keys"
)

// A weighted cache (k-means prototypes weighted by cluster size, as `cache
// fit` makes) scores the same through the CLI's path (cacheErrors: eval,
// cache size, cache fit) as through the board's lookup (Cache.ProbsBatch, the
// kernel TapProbs runs, then cache.Mix), on keys from a real pass of a
// network over images.
func TestWeightedCacheScoresAsOnBoard(t *testing.T) {
	logTo = &bytes.Buffer{}
	root := synthFolder(t, 40, 12)
	k := testNet(t, 20)
	spec, err := parseTaps(k, "paper", "avg") // 192 values
	if err != nil {
		t.Fatal(err)
	}
	train, err := openSet(root, "train", k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	full, err := cache.New(spec, k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Fill(full, train, indices(train.Len(), 0), keys.PassOptions{Flip: true}); err != nil {
		t.Fatal(err)
	}
	keysOf := make([]float32, 0, full.Len()*spec.Dim())
	var key []float32
	for i := 0; i < full.Len(); i++ {
		key = full.Key(key, i)
		keysOf = append(keysOf, key...)
	}
	pool, err := host.NewPool(spec, full, keysOf, full.Len())
	if err != nil {
		t.Fatal(err)
	}
	km, err := pool.Build(host.Candidate{Entries: host.EntriesWKMeans, Items: 12}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !km.Weighted() || km.Len() < 2 {
		t.Fatalf("k-means cache of %d items, weighted %v", km.Len(), km.Weighted())
	}
	// The prototypes' clusters are of similar sizes here, so their weights
	// barely move p_cache; a second cache weights the items unevenly and
	// unevenly between the classes (1 to 5 against 20 to 26), where scoring
	// without the weights is far off.
	uneven, err := cache.New(spec, k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < full.Len(); i++ {
		key = full.Key(key, i)
		if err := uneven.AddWeighted(key, full.Label(i), 1+i%5+19*full.Label(i)+full.Label(i)*(i%7)); err != nil {
			t.Fatal(err)
		}
	}
	test, err := openSet(root, "test", k.Classes())
	if err != nil {
		t.Fatal(err)
	}
	q, err := k.Collect(test, indices(test.Len(), 0), spec, keys.PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sensitive := false
	for _, w := range []*cache.Cache{km, uneven} {
		w.Theta, w.Lambda, w.CacheOnlyTheta = 60, 0.6, 40
		if compareWithBoard(t, w, q) && w == uneven {
			sensitive = true
		}
	}
	if !sensitive {
		t.Fatal("the unevenly weighted cache scores as if unweighted: the test cannot see dropped weights")
	}
}

// compareWithBoard checks w's CLI scoring against the board lookup on q and
// reports whether dropping w's weights would have changed p_cache beyond
// the tolerance.
func compareWithBoard(t *testing.T, w *cache.Cache, q *queries) (weightsMatter bool) {
	t.Helper()
	spec := w.Spec()
	unweighted, err := cache.New(spec, w.Classes())
	if err != nil {
		t.Fatal(err)
	}
	var key []float32
	for i := 0; i < w.Len(); i++ {
		key = w.Key(key, i)
		if err := unweighted.Add(key, w.Label(i)); err != nil {
			t.Fatal(err)
		}
	}
	cli, err := cacheErrors(w, q, tunedMixtures(w)...)
	if err != nil {
		t.Fatal(err)
	}

	// Tolerance between the two paths' p_cache: keys and queries are unit
	// vectors, so each fp32 similarity is within gamma(dim+2) of the exact
	// one on either path (Higham, eq. 3.5: |sum k_i q_i| <= 1), twice that
	// apart; a ratio of sums of exp(theta s) terms then moves by at most
	// exp(4 theta delta) - 1 relative; the exponentials add 2 (3e-7 + 33e-9)
	// relative (cache/exps.go, host ladder), the cutoffs e^-40 and 1e-13 per
	// unit of weight.
	u := math.Ldexp(1, -24)
	n := float64(spec.Dim() + 2)
	delta := 2 * n * u / (1 - n*u)
	totalWeight := 0.0
	for i := 0; i < w.Len(); i++ {
		totalWeight += float64(w.Weight(i))
	}
	for m, mix := range tunedMixtures(w) {
		pHost, err := host.Probs(w, q.Keys, []float64{mix.Theta}, host.SimOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pPlain, err := host.Probs(unweighted, q.Keys, []float64{mix.Theta}, host.SimOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pBoard := make([]float32, q.Len()*q.Classes)
		if err := w.ProbsBatch(pBoard, q.Keys, float32(mix.Theta)); err != nil {
			t.Fatal(err)
		}
		rel := math.Expm1(4*mix.Theta*delta) + 2*(3e-7+33e-9)
		abs := totalWeight*(math.Exp(-cache.Cutoff)+1e-13) + 2e-7
		wrong, clear := 0, 0
		mixed := make([]float32, q.Classes)
		for i := 0; i < q.Len(); i++ {
			hb := pHost[0][i*q.Classes : (i+1)*q.Classes]
			bb := pBoard[i*q.Classes : (i+1)*q.Classes]
			worst := 0.0
			for y := range hb {
				tol := rel*math.Max(float64(hb[y]), float64(bb[y])) + abs
				if d := math.Abs(float64(hb[y] - bb[y])); d > tol {
					t.Fatalf("theta %v query %d class %d: CLI path %v, board %v (tolerance %.3g)", mix.Theta, i, y, hb[y], bb[y], tol)
				}
				worst = math.Max(worst, tol)
				if math.Abs(float64(pPlain[0][i*q.Classes+y]-bb[y])) > 10*tol {
					weightsMatter = true
				}
			}
			if err := cache.Mix(mixed, q.Probs[i*q.Classes:(i+1)*q.Classes], bb, float32(mix.Lambda)); err != nil {
				t.Fatal(err)
			}
			if rankOf(mixed, q.Labels[i]) != 0 {
				wrong++
			}
			if margin(mixed) > 2*mix.Lambda*worst {
				clear++
			}
		}
		board := float64(wrong) / float64(q.Len())
		// A query whose two best classes are closer than the tolerance may
		// go either way on either path; the others must agree.
		if d := math.Abs(board - cli[m]); d > float64(q.Len()-clear)/float64(q.Len()) {
			t.Fatalf("mixture %+v: CLI error %.4f, board %.4f (%d of %d queries clear)", mix, cli[m], board, clear, q.Len())
		}
		if clear < q.Len()/2 {
			t.Fatalf("mixture %+v: only %d of %d queries clear of the tolerance: the comparison tests too little", mix, clear, q.Len())
		}
	}
	return weightsMatter
}

// margin is the gap between the largest and second largest value.
func margin(p []float32) float64 {
	a, b := math.Inf(-1), math.Inf(-1)
	for _, v := range p {
		switch x := float64(v); {
		case x > a:
			a, b = x, a
		case x > b:
			b = x
		}
	}
	return a - b
}

// The tuner (host.Tune, which `cache tune`, `cache table` and `cache fit`
// run) scores its theta x lambda grid with its own arithmetic: float64
// p_cache from one scan (a ladder of exponentials per theta) and the
// mixture inline, for speed. Every grid point it reports must be the
// accuracy the board gets with that theta and lambda (Cache.ProbsBatch, the
// kernel TapProbs runs, then cache.Mix and a strict top-1), up to the
// queries whose best two classes lie within the two paths' rounding of each
// other. Checked on the CLI's own tuning (an unweighted cache) and on a
// weighted cache with label noise, where accuracy moves over the grid, with
// the tuner's refinement around its best points.
func TestTuneScoresAsBoard(t *testing.T) {
	logTo = &bytes.Buffer{}
	root := synthFolder(t, 100, 2)
	k := testNet(t, 20)
	spec, err := parseTaps(k, "paper", "avg") // 192 values
	if err != nil {
		t.Fatal(err)
	}
	tu, err := tune(k, spec, tuneInput{data: root, cacheSplit: "fit", valSplit: "val", flip: true, noRefine: true})
	if err != nil {
		t.Fatal(err)
	}
	// tune's queries: every validation image, not the flips.
	q := keys.NewQueries(spec, tu.val.Classes, tu.val.Len())
	for i := 0; i < tu.val.Len(); i++ {
		if !tu.val.Flips[i] {
			q.Add(tu.val.Key(i), tu.val.Labels[i], tu.val.Probs[i*tu.val.Classes:(i+1)*tu.val.Classes], tu.val.Sources[i], false)
		}
	}
	if q.Len() != 20 || tu.res.Grid == nil {
		t.Fatalf("%d validation queries, grid %v: want 20 and a grid", q.Len(), tu.res.Grid)
	}
	tunerMatchesBoard(t, "cache tune", tu.c, q, tu.res)

	// A third of the items relabelled and the classes weighted unevenly
	// (1 to 5 against 8 to 12): p_cache is then unsure, and accuracy varies
	// with theta and lambda.
	noisy, err := cache.New(spec, tu.c.Classes())
	if err != nil {
		t.Fatal(err)
	}
	var key []float32
	for i := 0; i < tu.c.Len(); i++ {
		key = tu.c.Key(key, i)
		y := tu.c.Label(i)
		if i%3 == 0 {
			y = 1 - y
		}
		if err := noisy.AddWeighted(key, y, 1+i%5+7*y); err != nil {
			t.Fatal(err)
		}
	}
	res, err := host.Tune(q.Keys, q.Labels, q.Probs, noisy, host.TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fine == nil || res.FineCacheOnly == nil {
		t.Fatal("the tuner did not refine")
	}
	if n := tunerMatchesBoard(t, "weighted, noisy", noisy, q, res); n < 3 {
		t.Fatalf("weighted, noisy: %d distinct accuracies over the grid: the comparison tests too little", n)
	}
}

// tunerMatchesBoard compares every point res reports (the coarse grid and,
// when the tuner refined, the fine one: CacheOnly and the mixtures) with the
// board's accuracy on q and returns how many distinct accuracies they hold.
func tunerMatchesBoard(t *testing.T, what string, c *cache.Cache, q *queries, res *host.Result) int {
	t.Helper()
	// The tolerance of TestWeightedCacheScoresAsOnBoard on p_cache, scaled
	// by lambda in the mixture, plus float32 rounding of the mixture; a
	// query is a near tie when its two best classes are within twice that.
	u := math.Ldexp(1, -24)
	n := float64(c.Dim() + 2)
	delta := 2 * n * u / (1 - n*u)
	totalWeight := 0.0
	for i := 0; i < c.Len(); i++ {
		totalWeight += float64(c.Weight(i))
	}
	abs := totalWeight*(math.Exp(-cache.Cutoff)+1e-13) + 2e-7
	distinct := map[float64]bool{}
	pBoard := make([]float32, q.Len()*q.Classes)
	mixed := make([]float32, q.Classes)
	nearAll, points := 0, 0
	// check scores the tuner's accuracies acc[l] at theta and lambdas[l].
	check := func(theta float64, lambdas, acc []float64) {
		if err := c.ProbsBatch(pBoard, q.Keys, float32(theta)); err != nil {
			t.Fatal(err)
		}
		rel := math.Expm1(4*theta*delta) + 2*(3e-7+33e-9)
		for li, lambda := range lambdas {
			tuner := acc[li]
			distinct[tuner] = true
			right, near := 0, 0
			for i, y := range q.Labels {
				if err := cache.Mix(mixed, q.Probs[i*q.Classes:(i+1)*q.Classes], pBoard[i*q.Classes:(i+1)*q.Classes], float32(lambda)); err != nil {
					t.Fatal(err)
				}
				if rankOf(mixed, y) == 0 {
					right++
				}
				if margin(mixed) <= 2*(lambda*(rel+abs)+4e-7) {
					near++
				}
			}
			nearAll += near
			points++
			if d := math.Abs(tuner*float64(q.Len()) - float64(right)); d > float64(near)+1e-9 {
				t.Errorf("%s: theta %v lambda %v: tuner %v of %d queries right, board %d (%d near ties)", what, theta, lambda, tuner*float64(q.Len()), q.Len(), right, near)
			}
		}
	}
	for ti, theta := range res.Thetas {
		check(theta, []float64{1}, res.CacheOnly[ti:ti+1])
		check(theta, res.Lambdas, res.Grid[ti])
	}
	for ti, theta := range res.FineCacheOnlyThetas {
		check(theta, []float64{1}, res.FineCacheOnly[ti:ti+1])
	}
	for ti, theta := range res.FineThetas {
		check(theta, res.FineLambdas, res.Fine[ti])
	}
	if nearAll > points*q.Len()/10 {
		t.Errorf("%s: %d of %d query scorings are near ties: the comparison tests too little", what, nearAll, points*q.Len())
	}
	return len(distinct)
}
