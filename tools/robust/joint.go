package robust

import (
	"fmt"

	"github.com/edgecache/edgecache/model"
)

// joint scores several classifiers on the same images, sharing what they
// can: cache models of one network and one Mixture (Cache3 and CacheOnly)
// take one forward pass and one scan of the keys for all their heads. On a
// 90,000-item cache the scan is nearly all the cost, so scoring both heads
// together halves it. Decision attacks (single pixel, blur) try the same
// candidates in the same order on every model, which is what lets one scan
// serve them all.
type joint struct {
	cs     []Classifier
	groups []jointGroup
}

// jointGroup is classifiers scored by one call: probs returns rows per
// member (indices into joint.cs), then per image.
type jointGroup struct {
	members []int
	probs   func(pixels []float32, n int) ([][][]float64, error)
}

func newJoint(cs []Classifier) *joint {
	j := &joint{cs: cs}
	type shared struct {
		net *model.Net
		mix *Mixture
	}
	byMix := map[shared]int{}
	var cacheModels [][]*CacheModel
	for t, c := range cs {
		if m, ok := c.(*CacheModel); ok {
			k := shared{m.net, m.mix}
			if g, ok := byMix[k]; ok {
				j.groups[g].members = append(j.groups[g].members, t)
				cacheModels[g] = append(cacheModels[g], m)
				continue
			}
			byMix[k] = len(j.groups)
		}
		j.groups = append(j.groups, jointGroup{members: []int{t}})
		cacheModels = append(cacheModels, nil)
		if m, ok := c.(*CacheModel); ok {
			cacheModels[len(cacheModels)-1] = []*CacheModel{m}
		}
	}
	for g := range j.groups {
		if ms := cacheModels[g]; ms != nil {
			j.groups[g].probs = func(pixels []float32, n int) ([][][]float64, error) { return cacheProbs(ms, pixels, n) }
			continue
		}
		c := cs[j.groups[g].members[0]]
		j.groups[g].probs = func(pixels []float32, n int) ([][][]float64, error) {
			ps, err := c.Probs(pixels, n)
			return [][][]float64{ps}, err
		}
	}
	return j
}

// probs returns out[t][k], classifier t's probabilities of image k, for
// every (t, k) with need(t, k) (nil rows elsewhere, or rows a group scored
// for another member). Each group scores the images any member needs, in
// one call.
func (j *joint) probs(pixels []float32, n int, need func(t, k int) bool) ([][][]float64, error) {
	const size = model.InputLen
	if len(pixels) != n*size {
		return nil, fmt.Errorf("robust: %d pixel values for %d images", len(pixels), n)
	}
	out := make([][][]float64, len(j.cs))
	for t := range out {
		out[t] = make([][]float64, n)
	}
	for _, g := range j.groups {
		var sel []int
		for k := 0; k < n; k++ {
			for _, t := range g.members {
				if need(t, k) {
					sel = append(sel, k)
					break
				}
			}
		}
		if len(sel) == 0 {
			continue
		}
		in := pixels
		if len(sel) < n {
			in = make([]float32, 0, len(sel)*size)
			for _, k := range sel {
				in = append(in, pixels[k*size:(k+1)*size]...)
			}
		}
		ps, err := g.probs(in, len(sel))
		if err != nil {
			return nil, fmt.Errorf("robust: %s: %w", j.cs[g.members[0]].Name(), err)
		}
		for m, t := range g.members {
			for s, k := range sel {
				out[t][k] = ps[m][s]
			}
		}
	}
	return out, nil
}

// every is a need that asks for every classifier on every image.
func every(int, int) bool { return true }

// searchJoint scores candidates of every image in order against every
// classifier of j: image i has count[i] candidates, gen(i, c, dst) writes its
// c-th. Each round takes the next chunk of every image some classifier t has
// not yet been fooled on (labels[t][i] is t's reference label of image i)
// and scores them in one joint call, each classifier only on the images it
// still needs. advs[t][i] is the first candidate of image i that t does not
// label labels[t][i] (nil when none), and evals[t][i] grows by the candidates
// t scored up to it: for each classifier, exactly what a search of it alone
// gives. finished, when not nil, is called once per image when no
// classifier needs it any more.
func searchJoint(j *joint, labels [][]int, count []int, chunk int, gen func(i, c int, dst []float32), evals [][]int, finished func(i int)) ([][][]float32, error) {
	const size = model.InputLen
	nt, ni := len(j.cs), len(count)
	advs := make([][][]float32, nt)
	for t := range advs {
		advs[t] = make([][]float32, ni)
	}
	next := make([]int, ni)
	open := func(i int) bool {
		if next[i] >= count[i] {
			return false
		}
		for t := range advs {
			if advs[t][i] == nil {
				return true
			}
		}
		return false
	}
	done := make([]bool, ni)
	report := func() {
		for i := range done {
			if !done[i] && !open(i) {
				done[i] = true
				if finished != nil {
					finished(i)
				}
			}
		}
	}
	report()
	for {
		var owner, index []int
		for i := 0; i < ni; i++ {
			if done[i] {
				continue
			}
			for c := next[i]; c < min(count[i], next[i]+chunk); c++ {
				owner = append(owner, i)
				index = append(index, c)
			}
		}
		if len(owner) == 0 {
			return advs, nil
		}
		cands := make([]float32, len(owner)*size)
		for k := range owner {
			gen(owner[k], index[k], cands[k*size:(k+1)*size])
		}
		ps, err := j.probs(cands, len(owner), func(t, k int) bool { return advs[t][owner[k]] == nil })
		if err != nil {
			return nil, err
		}
		// Evals count what Foolbox scores: up to the first that fools.
		for k, i := range owner {
			next[i] = index[k] + 1
			for t := range advs {
				if advs[t][i] != nil {
					continue
				}
				evals[t][i]++
				if argmax(ps[t][k]) != labels[t][i] {
					advs[t][i] = append([]float32(nil), cands[k*size:(k+1)*size]...)
				}
			}
		}
		report()
	}
}
