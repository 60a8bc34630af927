package fewshot

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/edgecache/edgecache/cache"
)

// DefaultKs are the numbers of taught examples for a held-out class,
// and DefaultCameraKs those per class for the camera study.
var (
	DefaultKs       = []int{1, 2, 5, 10, 20, 50}
	DefaultCameraKs = []int{0, 10, 50, 200}
)

// Options configures a study.
type Options struct {
	// Ks are the numbers of taught examples, ascending (0 is the
	// baseline and always scored).
	Ks []int
	// Learn is how taught examples enter the cache (the board's
	// cache.DefaultLearnOpts when zero).
	Learn cache.LearnOpts
	// Budget is the cache's byte budget (0: the bundle cache's own size,
	// the board's default).
	Budget int
	// Workers is the host lookup's goroutines (GOMAXPROCS when 0).
	Workers int
	// Progress, if not nil, is told each scoring as it ends.
	Progress func(what string)
}

func (o *Options) check() error {
	if len(o.Ks) == 0 {
		return fmt.Errorf("fewshot: no k values")
	}
	for i, k := range o.Ks {
		if k < 0 || (i > 0 && k <= o.Ks[i-1]) {
			return fmt.Errorf("fewshot: k values %v: want ascending, distinct, >= 0", o.Ks)
		}
	}
	if o.Learn == (cache.LearnOpts{}) {
		o.Learn = cache.DefaultLearnOpts
	}
	if o.Budget < 0 {
		return fmt.Errorf("fewshot: budget %d bytes", o.Budget)
	}
	return nil
}

// withZero is ks with 0 in front if it lacks it.
func withZero(ks []int) []int {
	if len(ks) > 0 && ks[0] == 0 {
		return ks
	}
	return append([]int{0}, ks...)
}

// Choose draws, for every class, up to n of its images from labels
// (positions into labels), in a seeded random order: the first k of a
// class's list are its k-shot examples, so the sets are nested. The draw
// depends only on seed, the class and the labels, not on which classes are
// studied.
func Choose(labels []int, classes, n int, seed uint64) [][]int {
	byClass := make([][]int, classes)
	for i, y := range labels {
		if y >= 0 && y < classes {
			byClass[y] = append(byClass[y], i)
		}
	}
	for y, list := range byClass {
		rng := rand.New(rand.NewPCG(seed, uint64(y)))
		rng.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
		byClass[y] = list[:min(n, len(list))]
	}
	return byClass
}

// Top1 counts right decisions.
type Top1 struct {
	Right int `json:"right"`
	Total int `json:"total"`
}

// Rate is the share right, NaN of none.
func (t Top1) Rate() float64 {
	if t.Total == 0 {
		return math.NaN()
	}
	return float64(t.Right) / float64(t.Total)
}

// SE is the binomial standard error of Rate: sqrt(p (1-p) / n), the
// spread of a top-1 measured on n images.
func (t Top1) SE() float64 {
	p := t.Rate()
	return math.Sqrt(p * (1 - p) / float64(t.Total))
}

func (t *Top1) add(ok bool) {
	t.Total++
	if ok {
		t.Right++
	}
}

// Row is one class held out, k examples taught.
type Row struct {
	Class int    `json:"class"`
	Name  string `json:"name"`
	K     int    `json:"k"`
	// Taught is how many examples of the class were taught (k, or fewer if
	// the data had fewer), Removed how many bundle items of it were removed
	// first, Evicted the items the eviction policy gave up.
	Taught  int `json:"taught"`
	Removed int `json:"removed"`
	Evicted int `json:"evicted"`
	Items   int `json:"items"`
	// New is top-1 on the held-out class's test images, Others on the other
	// classes' test images.
	New    Top1 `json:"new"`
	Others Top1 `json:"others"`
	// NewCache is the cache alone (p_cache's top-1) on the held-out
	// class's test images: what the taught examples know before the
	// masked network's vote.
	NewCache Top1 `json:"new_cache"`
	// OthersGained and OthersLost count the other classes' test images
	// this row gets right and its class's k=0 row got wrong, and the
	// reverse: the paired view of the change (McNemar), whose noise is
	// sqrt(gained+lost) images, far below two independent top-1s'.
	OthersGained int `json:"others_gained"`
	OthersLost   int `json:"others_lost"`
	// MaxDiff is the host/board lookup disagreement on the checked sample.
	MaxDiff float64 `json:"max_diff"`
}

// Reference is the unmasked bundle on the same test images.
type Reference struct {
	All      Top1   `json:"all"`
	PerClass []Top1 `json:"per_class"`
	Net      Top1   `json:"net"` // the int8 network alone
}

// HeldOut is the held-out-class study.
type HeldOut struct {
	Ks        []int     `json:"ks"` // with 0, the masked baseline
	Reference Reference `json:"reference"`
	Rows      []Row     `json:"rows"` // per class, per k
}

// reference scores e with the unmasked bundle.
func reference(c *cache.Cache, e *Encoded, workers int) (Reference, *Outcome, error) {
	o, err := Score(c, e, -1, workers)
	if err != nil {
		return Reference{}, nil, err
	}
	r := Reference{PerClass: make([]Top1, c.Classes())}
	for i, y := range e.Labels {
		r.All.add(o.Pred[i] == y)
		r.PerClass[y].add(o.Pred[i] == y)
		r.Net.add(argmax(e.Net(i)) == y)
	}
	return r, o, nil
}

// StudyHeldOut runs the held-out protocol (see the package comment) for
// each class of classes on the bundle cache c (its theta and lambda are the
// mixture's) with the test images' encodings test, teaching from teach[y]
// (the encoded examples of class y, in teaching order: the first k are the
// k-shot set). names label the rows.
func StudyHeldOut(c *cache.Cache, test *Encoded, teach map[int]*Encoded, classes []int, names []string, o Options) (*HeldOut, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if c.Classes() != test.NetClasses {
		return nil, fmt.Errorf("fewshot: the cache has %d classes, the network %d", c.Classes(), test.NetClasses)
	}
	ks := withZero(o.Ks)
	ref, _, err := reference(c, test, o.Workers)
	if err != nil {
		return nil, err
	}
	h := &HeldOut{Ks: ks, Reference: ref}
	for _, y := range classes {
		if y < 0 || y >= c.Classes() {
			return nil, fmt.Errorf("fewshot: class %d of %d", y, c.Classes())
		}
		ex := teach[y]
		if ex == nil || ex.Len() == 0 {
			return nil, fmt.Errorf("fewshot: no examples of class %d to teach", y)
		}
		for i, l := range ex.Labels {
			if l != y {
				return nil, fmt.Errorf("fewshot: example %d to teach class %d has label %d", i, y, l)
			}
		}
		l, err := NewLearner(c, o.Budget, o.Learn, y)
		if err != nil {
			return nil, err
		}
		removed := c.Len() - l.Cache().Len()
		if l.Cache().Len() == 0 {
			return nil, fmt.Errorf("fewshot: the cache holds only class %d", y)
		}
		taught := 0
		var base []int // the k=0 decisions
		for _, k := range ks {
			for ; taught < min(k, ex.Len()); taught++ {
				if err := l.Teach(ex.Key(taught), y); err != nil {
					return nil, err
				}
			}
			out, err := Score(l.Cache(), test, y, o.Workers)
			if err != nil {
				return nil, err
			}
			row := Row{Class: y, Name: name(names, y), K: k, Taught: taught, Removed: removed,
				Evicted: l.Evicted(), Items: l.Cache().Len(), MaxDiff: out.MaxDiff}
			if base == nil {
				base = out.Pred
			}
			for i, t := range test.Labels {
				if t == y {
					row.New.add(out.Pred[i] == t)
					row.NewCache.add(out.CachePred[i] == t)
					continue
				}
				row.Others.add(out.Pred[i] == t)
				switch now, then := out.Pred[i] == t, base[i] == t; {
				case now && !then:
					row.OthersGained++
				case then && !now:
					row.OthersLost++
				}
			}
			h.Rows = append(h.Rows, row)
			if o.Progress != nil {
				o.Progress(fmt.Sprintf("class %s, k=%d: new %.1f%%, others %.2f%%", row.Name, k, 100*row.New.Rate(), 100*row.Others.Rate()))
			}
		}
	}
	return h, nil
}

// Summary is a k's rows averaged over the held-out classes.
type Summary struct {
	K int `json:"k"`
	// New is the mean over classes of top-1 on the held-out class; Others
	// the mean of top-1 on the other classes; Drop the largest fall of
	// Others from its class's k=0 row, and DropSE that fall in units of
	// the row's binomial standard error.
	New      float64 `json:"new"`
	NewCache float64 `json:"new_cache"`
	Others   float64 `json:"others"`
	Drop     float64 `json:"drop"`
	DropSE   float64 `json:"drop_se"`
}

// Summaries averages the rows per k.
func (h *HeldOut) Summaries() []Summary {
	base := map[int]Top1{}
	for _, r := range h.Rows {
		if r.K == 0 {
			base[r.Class] = r.Others
		}
	}
	var out []Summary
	for _, k := range h.Ks {
		s := Summary{K: k}
		n := 0
		for _, r := range h.Rows {
			if r.K != k {
				continue
			}
			s.New += r.New.Rate()
			s.NewCache += r.NewCache.Rate()
			s.Others += r.Others.Rate()
			if b, ok := base[r.Class]; ok {
				d := b.Rate() - r.Others.Rate()
				if d > s.Drop {
					s.Drop = d
					s.DropSE = d / b.SE()
				}
			}
			n++
		}
		if n > 0 {
			s.New /= float64(n)
			s.NewCache /= float64(n)
			s.Others /= float64(n)
			out = append(out, s)
		}
	}
	return out
}

// Camera is the camera-domain study: top-1 on test frames against the
// frames taught per class.
type Camera struct {
	Rows []CameraRow `json:"rows"`
	Net  Top1        `json:"net"` // the int8 network alone on the test frames
}

// CameraRow is one k.
type CameraRow struct {
	K        int    `json:"k"`
	Taught   int    `json:"taught"`
	Evicted  int    `json:"evicted"`
	Items    int    `json:"items"`
	Top1     Top1   `json:"top1"`
	PerClass []Top1 `json:"per_class"`
	// Gained and Lost count the test frames right now and wrong at k=0,
	// and the reverse (the paired change; its noise is sqrt(Gained+Lost)).
	Gained  int     `json:"gained"`
	Lost    int     `json:"lost"`
	MaxDiff float64 `json:"max_diff"`
}

// StudyCamera teaches teach[y]'s first k frames of every class y (nothing
// masked, all classes at once, round robin: example j of each class, then
// j+1, as a user walking the board through its classes would) for each k
// of o.Ks, and scores test after each.
func StudyCamera(c *cache.Cache, test *Encoded, teach []*Encoded, o Options) (*Camera, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if len(teach) != c.Classes() {
		return nil, fmt.Errorf("fewshot: examples of %d classes for a cache of %d", len(teach), c.Classes())
	}
	l, err := NewLearner(c, o.Budget, o.Learn)
	if err != nil {
		return nil, err
	}
	cam := &Camera{}
	for i, y := range test.Labels {
		cam.Net.add(argmax(test.Net(i)) == y)
	}
	done := 0 // examples of each class taught so far
	taught := 0
	var base []int // the k=0 decisions
	for _, k := range withZero(o.Ks) {
		for ; done < k; done++ {
			for y, ex := range teach {
				if done < ex.Len() {
					if err := l.Teach(ex.Key(done), y); err != nil {
						return nil, err
					}
					taught++
				}
			}
		}
		out, err := Score(l.Cache(), test, -1, o.Workers)
		if err != nil {
			return nil, err
		}
		row := CameraRow{K: k, Taught: taught, Evicted: l.Evicted(), Items: l.Cache().Len(),
			PerClass: make([]Top1, c.Classes()), MaxDiff: out.MaxDiff}
		if base == nil {
			base = out.Pred
		}
		for i, y := range test.Labels {
			row.Top1.add(out.Pred[i] == y)
			row.PerClass[y].add(out.Pred[i] == y)
			switch now, then := out.Pred[i] == y, base[i] == y; {
			case now && !then:
				row.Gained++
			case then && !now:
				row.Lost++
			}
		}
		cam.Rows = append(cam.Rows, row)
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("camera, k=%d per class: top-1 %.2f%%", k, 100*row.Top1.Rate()))
		}
	}
	return cam, nil
}

func name(names []string, y int) string {
	if y < len(names) && names[y] != "" {
		return names[y]
	}
	return fmt.Sprint(y)
}
