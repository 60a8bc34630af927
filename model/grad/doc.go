// Package grad computes gradients of a model.Net's outputs with respect to its
// input pixels: the backward pass through the folded convolutions, the ReLUs,
// both residual shortcut kinds (A: subsample and zero-pad; B: strided 1x1
// convolution), the global average pool, the dense layer and the input
// normalisation. It serves robustness studies on the host (adversarial
// attacks, input-output Jacobians); the board never runs it.
//
// A Backprop runs the network forward once per image (model.Runner, keeping
// every tap the backward pass needs: the ReLU outputs are their own masks)
// and then takes any number of backward passes seeded with dL/dlogits and,
// optionally, dL/dtap for named taps, so a loss on the logits and one on the
// cache keys (taps) flow back through one pass. Pixels are the network's
// input before normalisation, scaled to [0, 1].
//
// Where a pre-activation is exactly 0 the ReLU's derivative is taken as 0
// (PyTorch and TensorFlow do the same); finite differences across such a kink
// differ from any one-sided derivative, which the tests allow for.
package grad
