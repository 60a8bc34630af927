package robust

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/grad"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/keys"
)

// Classifier is what an attack queries: class probabilities of images.
// Implementations are not safe for concurrent use (they own runners).
type Classifier interface {
	Name() string
	Classes() int
	// Probs returns n rows of class probabilities for n images (n x InputLen
	// pixels in [0, 1]).
	Probs(pixels []float32, n int) ([][]float64, error)
}

// Differentiable classifiers also give gradients of their probabilities with
// respect to the pixels.
type Differentiable interface {
	Classifier
	// Backward computes the probabilities of one image and, for each seed
	// (dL/dp, Classes values), dL/dpixels into dst[k].
	Backward(dst [][]float32, pixels []float32, seeds [][]float64) ([]float64, error)
	// BackwardBatch is Backward for many images at once (image i, its seeds
	// seeds[i], its gradients into dst[i]); a cache model reads its keys
	// once for the whole batch.
	BackwardBatch(dst [][][]float32, images [][]float32, seeds [][][]float64) ([][]float64, error)
}

// batch is the forward passes' batch size.
const batch = 32

// Network is the float network alone (the paper's baseline).
type Network struct {
	net *model.Net
	run *model.Runner
	bp  *grad.Backprop
}

// NewNetwork prepares the baseline classifier of net.
func NewNetwork(net *model.Net) (*Network, error) {
	run, err := net.NewRunner(batch)
	if err != nil {
		return nil, err
	}
	bp, err := grad.New(net)
	if err != nil {
		return nil, err
	}
	return &Network{net: net, run: run, bp: bp}, nil
}

func (n *Network) Name() string { return "baseline" }
func (n *Network) Classes() int { return n.net.Classes }

func (n *Network) Probs(pixels []float32, count int) ([][]float64, error) {
	out := make([][]float64, 0, count)
	for i := 0; i < count; i += batch {
		b := min(batch, count-i)
		logits, err := n.run.Run(pixels[i*model.InputLen:(i+b)*model.InputLen], b)
		if err != nil {
			return nil, err
		}
		for j := 0; j < b; j++ {
			out = append(out, grad.Softmax(logits[j*n.net.Classes:(j+1)*n.net.Classes]))
		}
	}
	return out, nil
}

func (n *Network) BackwardBatch(dst [][][]float32, images [][]float32, seeds [][][]float64) ([][]float64, error) {
	if len(dst) != len(images) || len(seeds) != len(images) {
		return nil, fmt.Errorf("robust: %d images, %d seed lists, %d outputs", len(images), len(seeds), len(dst))
	}
	out := make([][]float64, len(images))
	for i, x := range images {
		p, err := n.Backward(dst[i], x, seeds[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func (n *Network) Backward(dst [][]float32, pixels []float32, seeds [][]float64) ([]float64, error) {
	if len(dst) != len(seeds) {
		return nil, fmt.Errorf("robust: %d seeds, %d outputs", len(seeds), len(dst))
	}
	logits, err := n.bp.Forward(pixels)
	if err != nil {
		return nil, err
	}
	p := grad.Softmax(logits)
	for k, s := range seeds {
		if err := n.bp.Backward(dst[k], softmaxBack(p, s, 1), nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// softmaxBack is scale * J_softmax^T g: dL/dlogit_i = p_i (g_i - g.p).
func softmaxBack(p, g []float64, scale float64) []float32 {
	var bar float64
	for i, v := range g {
		bar += v * p[i]
	}
	out := make([]float32, len(p))
	for i := range out {
		out[i] = float32(scale * p[i] * (g[i] - bar))
	}
	return out
}

// CacheModel is the float network with a cache: the mixture of one Head.
type CacheModel struct {
	name string
	net  *model.Net
	run  *model.Runner
	bp   *grad.Backprop
	mix  *Mixture
	head Head
	taps []string
}

// NewCacheModel prepares the classifier p = (1 - lambda) softmax + lambda
// p_cache of net and mix under head.
func NewCacheModel(net *model.Net, mix *Mixture, head Head) (*CacheModel, error) {
	if !(head.Lambda >= 0 && head.Lambda <= 1) || !(head.Theta >= 0) {
		return nil, fmt.Errorf("robust: head %q: theta %v, lambda %v", head.Name, head.Theta, head.Lambda)
	}
	if err := (&keys.Net{Float: net}).Fits(mix.Cache); err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	taps := mix.TapNames()
	run, err := net.NewRunner(batch, taps...)
	if err != nil {
		return nil, err
	}
	bp, err := grad.New(net)
	if err != nil {
		return nil, err
	}
	return &CacheModel{name: head.Name, net: net, run: run, bp: bp, mix: mix, head: head, taps: taps}, nil
}

func (m *CacheModel) Name() string { return m.name }
func (m *CacheModel) Classes() int { return m.net.Classes }

func (m *CacheModel) Probs(pixels []float32, count int) ([][]float64, error) {
	ps, err := cacheProbs([]*CacheModel{m}, pixels, count)
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// cacheProbs scores images under every model of ms, which share one network
// and one Mixture (they differ in their heads): one forward pass and one scan
// of the keys for all. out[m][i] is model m's probabilities of image i.
func cacheProbs(ms []*CacheModel, pixels []float32, count int) ([][][]float64, error) {
	m0 := ms[0]
	heads := make([]Head, len(ms))
	for h, m := range ms {
		if m.net != m0.net || m.mix != m0.mix {
			return nil, fmt.Errorf("robust: %s and %s do not share a network and a cache", m0.name, m.name)
		}
		heads[h] = m.head
	}
	pNet := make([][]float64, 0, count)
	keys := make([][]float32, 0, count)
	for i := 0; i < count; i += batch {
		b := min(batch, count-i)
		logits, err := m0.run.Run(pixels[i*model.InputLen:(i+b)*model.InputLen], b)
		if err != nil {
			return nil, err
		}
		for j := 0; j < b; j++ {
			pNet = append(pNet, grad.Softmax(logits[j*m0.net.Classes:(j+1)*m0.net.Classes]))
			taps := make([][]float32, len(m0.taps))
			for t, name := range m0.taps {
				all := m0.run.Tap(name)
				per := len(all) / b
				taps[t] = all[j*per : (j+1)*per]
			}
			q, err := m0.mix.MakeKey(taps)
			if err != nil {
				return nil, err
			}
			keys = append(keys, q.Key)
		}
	}
	ls, err := m0.mix.Lookups(keys, heads, false)
	if err != nil {
		return nil, err
	}
	out := make([][][]float64, len(ms))
	for h := range ms {
		out[h] = make([][]float64, count)
		for i := range pNet {
			if out[h][i], err = mixProbs(pNet[i], ls[i][h].P, heads[h].Lambda); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// mixProbs is the board's mixture (cache.Mix) of the network's and the cache's
// probabilities, in float64 for the gradients, into a new slice.
func mixProbs(pNet, pCache []float64, lambda float64) ([]float64, error) {
	out := make([]float64, len(pCache))
	if err := cache.Mix(out, pNet, pCache, lambda); err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	return out, nil
}

func (m *CacheModel) Backward(dst [][]float32, pixels []float32, seeds [][]float64) ([]float64, error) {
	ps, err := m.BackwardBatch([][][]float32{dst}, [][]float32{pixels}, [][][]float64{seeds})
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

func (m *CacheModel) BackwardBatch(dst [][][]float32, images [][]float32, seeds [][][]float64) ([][]float64, error) {
	if len(dst) != len(images) || len(seeds) != len(images) {
		return nil, fmt.Errorf("robust: %d images, %d seed lists, %d outputs", len(images), len(seeds), len(dst))
	}
	// Keys of every image first, so that the cache is scanned once for all.
	qs := make([]Query, len(images))
	keys := make([][]float32, len(images))
	anySeed := false
	for i, x := range images {
		if len(dst[i]) != len(seeds[i]) {
			return nil, fmt.Errorf("robust: image %d: %d seeds, %d outputs", i, len(seeds[i]), len(dst[i]))
		}
		anySeed = anySeed || len(seeds[i]) > 0
		if _, err := m.bp.Forward(x); err != nil {
			return nil, err
		}
		taps := make([][]float32, len(m.taps))
		for t, name := range m.taps {
			taps[t] = m.bp.Tap(name)
		}
		q, err := m.mix.MakeKey(taps)
		if err != nil {
			return nil, err
		}
		qs[i], keys[i] = q, q.Key
	}
	ls, err := m.mix.Lookups(keys, []Head{m.head}, anySeed)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(images))
	for i, x := range images {
		// The backward pass needs this image's activations again.
		logits, err := m.bp.Forward(x)
		if err != nil {
			return nil, err
		}
		l := ls[i][0]
		pNet := grad.Softmax(logits)
		if out[i], err = mixProbs(pNet, l.P, m.head.Lambda); err != nil {
			return nil, err
		}
		for k, s := range seeds[i] {
			var dLogits []float32
			if m.head.Lambda < 1 {
				dLogits = softmaxBack(pNet, s, 1-m.head.Lambda)
			}
			gP := make([]float64, len(s))
			for j, v := range s {
				gP[j] = m.head.Lambda * v
			}
			gTaps := m.mix.KeyBackward(qs[i], l.CacheGrad(gP))
			seedTaps := make(map[string][]float32, len(m.taps))
			for t, name := range m.taps {
				if prev, ok := seedTaps[name]; ok { // a tap read twice adds up
					for j, v := range gTaps[t] {
						prev[j] += v
					}
					continue
				}
				seedTaps[name] = gTaps[t]
			}
			if err := m.bp.Backward(dst[i][k], dLogits, seedTaps); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Board is the board's configuration: the int8 network and a cache looked up
// as the firmware does (cache.Cache.TapProbs at the cache's theta, mixed with
// the int8 softmax at the cache's lambda). It is not differentiable: attacks
// on it take their gradients from a float stand-in (see Attack).
type Board struct {
	q    *quant.Model
	run  *quant.Runner
	c    *cache.Cache
	sc   *cache.Scratch
	taps []string
}

// NewBoard prepares the board classifier of q and c.
func NewBoard(q *quant.Model, c *cache.Cache) (*Board, error) {
	if err := (&keys.Net{Int8: q}).Fits(c); err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	var taps []string
	for _, t := range c.Spec().Taps {
		taps = append(taps, t.Name)
	}
	run, err := q.NewRunner(batch, taps...)
	if err != nil {
		return nil, err
	}
	return &Board{q: q, run: run, c: c, sc: c.NewScratch(), taps: taps}, nil
}

func (b *Board) Name() string { return "board int8+cache" }
func (b *Board) Classes() int { return b.q.Classes }

func (b *Board) Probs(pixels []float32, count int) ([][]float64, error) {
	out := make([][]float64, 0, count)
	classes := b.q.Classes
	pc := make([]float32, classes)
	pn := make([]float32, classes)
	mixed := make([]float32, classes)
	for i := 0; i < count; i += batch {
		n := min(batch, count-i)
		logits, err := b.run.Run(pixels[i*model.InputLen:(i+n)*model.InputLen], n)
		if err != nil {
			return nil, err
		}
		for j := 0; j < n; j++ {
			taps := make([][]float32, len(b.taps))
			for t, name := range b.taps {
				all := b.run.Tap(name)
				per := len(all) / n
				taps[t] = all[j*per : (j+1)*per]
			}
			if err := b.c.TapProbs(pc, b.sc, taps); err != nil {
				return nil, err
			}
			model.Softmax(pn, logits[j*classes:(j+1)*classes])
			if err := cache.Mix(mixed, pn, pc, b.c.Lambda); err != nil {
				return nil, err
			}
			row := make([]float64, classes)
			for k, v := range mixed {
				row[k] = float64(v)
			}
			out = append(out, row)
		}
	}
	return out, nil
}
