package fewshot

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/framesim"
)

// TestEncodeIsTheBoard: Encode's key and p_net of an image are the board
// classifier's (bundle.Classifier: its Key and, with no cache, its Probs),
// bit for bit, whatever the batch and threads.
func TestEncodeIsTheBoard(t *testing.T) {
	qm, c := testSetup(t)
	set := randomImages(9, 3, 21)
	e, err := Encode(context.Background(), qm, c.Spec(), set, seq(set.Len()), EncodeOptions{Threads: 2, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle.Bundle{Meta: bundle.Meta{Name: "t", Classes: []string{"cat", "dog", "ship"}, Preprocess: bundle.DefaultPreprocess}, Model: qm, Cache: c}
	cl, err := bundle.NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]float32, c.Dim())
	pNet := make([]float32, 3)
	for i := range set.imgs {
		r, err := cl.Classify(device.Frame{Image: set.imgs[i]})
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.Key(key); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(key, e.Key(i)) {
			t.Fatalf("image %d: key differs from the board's", i)
		}
		if r.Net != argmax(e.Net(i)) {
			t.Fatalf("image %d: network's class %d, board %d", i, argmax(e.Net(i)), r.Net)
		}
		// The board's mixture of Encode's p_net and the board lookup
		// gives the classifier's probabilities exactly.
		pc := make([]float32, 3)
		if err := c.Probs(pc, e.Key(i), c.Theta); err != nil {
			t.Fatal(err)
		}
		copy(pNet, e.Net(i))
		want := make([]float32, 3)
		if err := cache.Mix(want, pNet, pc, c.Lambda); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(want, r.Probs) {
			t.Fatalf("image %d: mixture %v, board %v", i, want, r.Probs)
		}
	}
}

// TestHostMatchesBoard: the batched host lookup Score uses gives the
// board's p_cache (cache.Cache.ProbsBatch; TestEncodeIsTheBoard ties that
// to the classifier's own TapProbs path) within boardTol, and the same decisions, on a cache with
// taught items of a new class and weighted items.
func TestHostMatchesBoard(t *testing.T) {
	qm, c := testSetup(t)
	l, err := NewLearner(c, 1<<20, cache.LearnOpts{Group: 2, Prior: 1})
	if err != nil {
		t.Fatal(err)
	}
	teach := randomImages(6, 3, 31)
	e, err := Encode(context.Background(), qm, c.Spec(), teach, seq(teach.Len()), EncodeOptions{Threads: 1, Batch: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < e.Len(); i++ {
		if err := l.Teach(e.Key(i), 3); err != nil { // class 3: one the network never knew
			t.Fatal(err)
		}
	}
	if l.Cache().Classes() != 4 || !l.Cache().Weighted() {
		t.Fatalf("classes %d, weighted %v", l.Cache().Classes(), l.Cache().Weighted())
	}
	q := randomImages(40, 3, 41)
	qe, err := Encode(context.Background(), qm, c.Spec(), q, seq(q.Len()), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := host.Probs(l.Cache(), qe.Keys, []float64{float64(l.Cache().Theta)}, host.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	board := make([]float32, qe.Len()*4)
	if err := l.Cache().ProbsBatch(board, qe.Keys, l.Cache().Theta); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, v := range board {
		worst = max(worst, math.Abs(float64(v-out[0][i])))
	}
	if worst > boardTol(l.Cache().Theta) {
		t.Fatalf("host and board p_cache differ by %g", worst)
	}
	t.Logf("host vs board p_cache: largest difference %.3g", worst)
	o, err := Score(l.Cache(), qe, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	mix := make([]float32, 4)
	for i := 0; i < qe.Len(); i++ {
		if err := cache.Mix(mix, qe.Net(i), board[i*4:(i+1)*4], l.Cache().Lambda); err != nil {
			t.Fatal(err)
		}
		if o.Pred[i] != argmax(mix) {
			t.Errorf("query %d: Score says %d, the board lookup %d (%v)", i, o.Pred[i], argmax(mix), mix)
		}
	}
}

// TestTeachMakesExampleRecognised is the protocol on one example: with
// class 2 masked and removed, an image of it can never be called 2; once it
// is taught, that exact image is.
func TestTeachMakesExampleRecognised(t *testing.T) {
	qm, c := testSetup(t)
	l, err := NewLearner(c, 0, cache.LearnOpts{Group: 1, Prior: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	removed := c.Len() - l.Cache().Len()
	if removed != 10 || l.Cache().Len() != 20 {
		t.Fatalf("forgot %d items, %d left", removed, l.Cache().Len())
	}
	for i := 0; i < l.Cache().Len(); i++ {
		if l.Cache().Label(i) == 2 {
			t.Fatal("an item of class 2 left")
		}
	}
	x := randomImages(3, 3, 51)
	x.labels = []int{2, 2, 2}
	e, err := Encode(context.Background(), qm, c.Spec(), x, seq(3), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := Score(l.Cache(), e, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range before.Pred {
		if p == 2 {
			t.Fatalf("image %d called class 2 with the class masked and removed", i)
		}
	}
	if err := l.Teach(e.Key(0), 2); err != nil {
		t.Fatal(err)
	}
	// A random network maps random images to nearly the same key; theta
	// must be large enough that the exact item outweighs the rest.
	gap := 1.0
	key := make([]float32, c.Dim())
	for i := 0; i < l.Cache().Len()-1; i++ {
		var s float64
		for j, v := range l.Cache().Key(key, i) {
			s += float64(v) * float64(e.Key(0)[j])
		}
		gap = min(gap, 1-s)
	}
	t.Logf("closest other item: similarity 1-%.3g", gap)
	l.Cache().Theta = float32(min(1e6, 20/gap))
	after, err := Score(l.Cache(), e, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if after.Pred[0] != 2 || after.CachePred[0] != 2 {
		t.Errorf("the taught image: mixture %d, cache %d, want 2", after.Pred[0], after.CachePred[0])
	}
}

// TestMaskNet: the masked distribution is the softmax over the other
// logits.
func TestMaskNet(t *testing.T) {
	logits := []float32{2, -1, 0.5, 3}
	p := make([]float32, 4)
	model.Softmax(p, logits)
	got := make([]float32, 4)
	MaskNet(got, p, 3)
	want := make([]float32, 3)
	model.Softmax(want, logits[:3])
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("masked %v, softmax of the rest %v", got, want)
		}
	}
	if got[3] != 0 {
		t.Errorf("masked class keeps %v", got[3])
	}
	MaskNet(got[:3], []float32{0, 0, 1}, 2) // all mass on the masked class
	if got[0] != 0.5 || got[1] != 0.5 || got[2] != 0 {
		t.Errorf("all mass masked: %v", got)
	}
	MaskNet(got[:3], []float32{0.2, 0.3, 0.5}, -1)
	if !slices.Equal(got[:3], []float32{0.2, 0.3, 0.5}) {
		t.Errorf("no mask: %v", got[:3])
	}
}

// TestLearnerBudget: past its budget the learner gives up the bundle's
// items, from the largest class, and taught ones only when none is left,
// oldest first; it stays within the budget.
func TestLearnerBudget(t *testing.T) {
	_, c := testSetup(t)
	perItem := cache.Footprint(c.Spec(), 3, 2, false) - cache.Footprint(c.Spec(), 3, 1, false)
	l, err := NewLearner(c, 0, cache.LearnOpts{Group: 1, Prior: 1})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]float32, c.Dim())
	key[0] = 1
	for i := 0; i < 35; i++ {
		if err := l.Teach(key, 0); err != nil {
			t.Fatal(err)
		}
		if l.Cache().Bytes() > l.Budget() {
			t.Fatalf("after %d: %d bytes, budget %d", i+1, l.Cache().Bytes(), l.Budget())
		}
		if i < 30 && l.EvictedTaught > 0 {
			t.Fatalf("after %d: a taught item went while bundle items remain", i+1)
		}
	}
	if l.Cache().Len() != 30 || l.Examples() != 30 || l.Evicted() != 35 || l.EvictedTaught != 5 {
		t.Errorf("len %d, taught %d, evicted %d (%d taught); %d bytes an item", l.Cache().Len(), l.Examples(), l.Evicted(), l.EvictedTaught, perItem)
	}
	if _, err := NewLearner(c, c.Bytes()-1, cache.DefaultLearnOpts); err == nil {
		t.Error("a budget below the cache's size accepted")
	}
}

// TestChooseNested: the k-shot sets are nested and the same for a seed,
// and differ between seeds.
func TestChooseNested(t *testing.T) {
	labels := make([]int, 300)
	for i := range labels {
		labels[i] = i % 3
	}
	a, b := Choose(labels, 3, 5, 7), Choose(labels, 3, 50, 7)
	for y := range a {
		if len(a[y]) != 5 || len(b[y]) != 50 || !slices.Equal(a[y], b[y][:5]) {
			t.Fatalf("class %d: %v is not the start of %v", y, a[y], b[y])
		}
		for _, i := range b[y] {
			if labels[i] != y {
				t.Fatalf("class %d drew image %d of class %d", y, i, labels[i])
			}
		}
	}
	if c := Choose(labels, 3, 5, 8); slices.Equal(c[0], a[0]) {
		t.Error("seeds 7 and 8 draw the same")
	}
	if c := Choose(labels, 4, 5, 7); len(c[3]) != 0 {
		t.Error("a class without images drew some")
	}
}

// TestStudies runs both studies end to end on the tiny board.
func TestStudies(t *testing.T) {
	qm, c := testSetup(t)
	test := randomImages(30, 3, 61)
	te, err := Encode(context.Background(), qm, c.Spec(), test, seq(test.Len()), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	train := randomImages(60, 3, 71)
	pick := Choose(train.labels, 3, 10, 1)
	teach := map[int]*Encoded{}
	for y := range 3 {
		if teach[y], err = Encode(context.Background(), qm, c.Spec(), train, pick[y], EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var lines int
	h, err := StudyHeldOut(c, te, teach, []int{0, 2}, []string{"cat", "dog", "ship"}, Options{Ks: []int{1, 5, 10}, Learn: cache.LearnOpts{Group: 5, Prior: 0.5}, Progress: func(string) { lines++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Rows) != 8 || lines != 8 || !slices.Equal(h.Ks, []int{0, 1, 5, 10}) {
		t.Fatalf("%d rows, %d progress lines, ks %v", len(h.Rows), lines, h.Ks)
	}
	base := map[int]int{}
	for _, r := range h.Rows {
		if r.K == 0 {
			base[r.Class] = r.Others.Right
		}
		if r.Others.Right-base[r.Class] != r.OthersGained-r.OthersLost {
			t.Errorf("class %d, k=%d: %d right, %d at k=0, yet %d gained and %d lost", r.Class, r.K, r.Others.Right, base[r.Class], r.OthersGained, r.OthersLost)
		}
		if r.New.Total != 10 || r.Others.Total != 20 || r.Taught != r.K || r.Removed != 10 || r.Items != 20+(r.K+4)/5 {
			t.Errorf("row %+v", r)
		}
		if r.K == 0 && (r.New.Right != 0 || r.NewCache.Right != 0) {
			t.Errorf("class %d masked and removed yet recognised: %+v", r.Class, r)
		}
	}
	if s := h.Summaries(); len(s) != 4 || s[0].K != 0 || s[0].New != 0 {
		t.Errorf("summaries %+v", s)
	}
	if h.Reference.All.Total != 30 {
		t.Errorf("reference %+v", h.Reference)
	}
	if _, err := StudyHeldOut(c, te, map[int]*Encoded{0: teach[0]}, []int{1}, nil, Options{Ks: []int{1}}); err == nil {
		t.Error("no examples of class 1: no error")
	}
	if _, err := StudyHeldOut(c, te, teach, []int{0}, nil, Options{Ks: []int{5, 2}}); err == nil {
		t.Error("descending ks accepted")
	}

	// The camera study: frames of the same images; a budget of the
	// cache's own size makes every taught item (up to 10 frames of a class
	// by default) evict a bundle item.
	sim := framesim.DefaultOpts
	sim.Width, sim.Height = 64, 48
	tf := &Frames{Src: test, Sim: sim, Seed: 1}
	fe, err := Encode(context.Background(), qm, c.Spec(), tf, seq(test.Len()), EncodeOptions{Threads: 2, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(fe.Keys, te.Keys) {
		t.Fatal("frames give the images' own keys: no camera in the path")
	}
	per := make([]*Encoded, 3)
	for y := range per {
		per[y] = teach[y]
	}
	cam, err := StudyCamera(c, fe, per, Options{Ks: []int{0, 2, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cam.Rows) != 3 || cam.Rows[2].Taught != 12 || cam.Rows[2].Evicted != 3 || cam.Rows[2].Items != 30 {
		t.Fatalf("camera rows %+v", cam.Rows)
	}
	for _, r := range cam.Rows {
		if r.Top1.Right-cam.Rows[0].Top1.Right != r.Gained-r.Lost {
			t.Errorf("camera k=%d: %d right, %d at k=0, %d gained, %d lost", r.K, r.Top1.Right, cam.Rows[0].Top1.Right, r.Gained, r.Lost)
		}
	}
	if _, err := StudyCamera(c, fe, per[:2], Options{Ks: []int{1}}); err == nil {
		t.Error("examples of 2 classes for 3: no error")
	}
}

// TestFramesBadSource: a frame that cannot be made is an error, not a panic.
func TestFramesBadSource(t *testing.T) {
	sim := framesim.DefaultOpts
	sim.Quality = 0
	f := &Frames{Src: randomImages(1, 1, 1), Sim: sim}
	if err := f.Load(0, make([]float32, model.InputLen)); err == nil {
		t.Error("JPEG quality 0 accepted")
	}
	f.Sim = framesim.DefaultOpts
	if err := f.Load(0, make([]float32, 10)); err == nil {
		t.Error("short pixel buffer accepted")
	}
}

// TestMaskedMix: the study's masked class is mixed as the board mixes a
// class its network never knew (cache.Mix with the class after the
// network's), whatever its index.
func TestMaskedMix(t *testing.T) {
	pNet := []float32{0.1, 0.6, 0.3}
	pCache := []float32{0.2, 0.3, 0.4, 0.1} // class 3: taught past the network
	for _, class := range []int{0, 1, 2} {
		m := newMasked(3, 4, class)
		got := make([]float32, 4)
		if err := m.mix(got, pNet, pCache, 0.5); err != nil {
			t.Fatal(err)
		}
		// By hand: the network without the class, renormalised; the
		// unknown mass u is the cache's on the class and class 3.
		var rest float32
		for y, p := range pNet {
			if y != class {
				rest += p
			}
		}
		u := pCache[class] + pCache[3]
		for y := range got {
			want := pCache[y]
			if y != class && y != 3 {
				want = 0.5*pNet[y]/rest*(1-u) + 0.5*pCache[y]
			}
			if math.Abs(float64(got[y]-want)) > 1e-6 {
				t.Errorf("class %d masked: p(%d) = %v, want %v", class, y, got[y], want)
			}
		}
	}
}
