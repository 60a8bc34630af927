package grad

import (
	"fmt"
	"math"
)

// Softmax returns the class probabilities of logits in float64 (the max
// subtracted, so no exp overflows).
func Softmax(logits []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range logits {
		m = max(m, float64(v))
	}
	p := make([]float64, len(logits))
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v) - m)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}

// CrossEntropySeed writes dL/dlogits of L = -log softmax(logits)[label] into
// g (softmax minus the one-hot label) and returns L.
func CrossEntropySeed(g, logits []float32, label int) (float64, error) {
	if label < 0 || label >= len(logits) || len(g) != len(logits) {
		return 0, fmt.Errorf("grad: label %d for %d logits (gradient of %d)", label, len(logits), len(g))
	}
	p := Softmax(logits)
	for i, v := range p {
		g[i] = float32(v)
	}
	g[label]--
	return -math.Log(max(p[label], math.SmallestNonzeroFloat64)), nil
}

// ProbSeed writes d softmax(logits)[class] / dlogits into g:
// p_c (delta_ci - p_i), and returns p_c.
func ProbSeed(g, logits []float32, class int) (float64, error) {
	if class < 0 || class >= len(logits) || len(g) != len(logits) {
		return 0, fmt.Errorf("grad: class %d for %d logits (gradient of %d)", class, len(logits), len(g))
	}
	p := Softmax(logits)
	for i, v := range p {
		g[i] = float32(-p[class] * v)
	}
	g[class] += float32(p[class])
	return p[class], nil
}

// LossGrad writes the gradient of the softmax cross-entropy loss of label at
// pixels into dst and returns the loss: what FGSM-style attacks ascend.
func (b *Backprop) LossGrad(dst, pixels []float32, label int) (float64, error) {
	logits, err := b.Forward(pixels)
	if err != nil {
		return 0, err
	}
	seed := make([]float32, len(logits))
	loss, err := CrossEntropySeed(seed, logits, label)
	if err != nil {
		return 0, err
	}
	return loss, b.Backward(dst, seed, nil)
}

// ProbGrad writes the gradient of the softmax probability of class at pixels
// into dst and returns that probability: one row of the input-output
// Jacobian.
func (b *Backprop) ProbGrad(dst, pixels []float32, class int) (float64, error) {
	logits, err := b.Forward(pixels)
	if err != nil {
		return 0, err
	}
	seed := make([]float32, len(logits))
	p, err := ProbSeed(seed, logits, class)
	if err != nil {
		return 0, err
	}
	return p, b.Backward(dst, seed, nil)
}
