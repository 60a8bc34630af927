// Package quant is the int8 version of a model.Net: post-training
// quantization, the integer forward pass, and its file format.
//
// The arithmetic is TensorFlow Lite's integer reference
// (tensorflow/lite/kernels/internal/common.h and reference/integer_ops/*.h),
// with activations stored as uint8 instead of int8 because the GEMM kernels
// of quant/internal/kernel multiply uint8 activations by int8 weights:
//
//   - weights: int8, symmetric (-127..127), one scale per output channel;
//   - biases: int32, scale = input scale x weight scale of the channel;
//   - activations: uint8, one scale and zero point per tensor, real value =
//     scale x (q - zero point); convolutions pad with the zero point, so
//     padding is an exact real zero;
//   - requantization: a Q31 multiplier and a power-of-two shift per output
//     channel (QuantizeMultiplier), applied by MultiplyByQuantizedMultiplier
//     with its two roundings (SaturatingRoundingDoublingHighMul, then
//     RoundingDivideByPOT); fused ReLU is a clamp at the output zero point;
//   - the residual add is TFLite's quantized ADD (both inputs shifted left by
//     20 bits, rescaled by their own multipliers, summed, rescaled to the
//     output), then the block's ReLU as a clamp;
//   - shortcut A moves bytes only: every second pixel, new channels filled
//     with the zero point, scale and zero point those of its input;
//   - the global average pool keeps its input's scale and zero point
//     (TFLite's AVERAGE_POOL_2D rounding: half away from zero);
//   - the final dense layer accumulates in int32 and its logits are
//     dequantized to float32 (scale = pool scale x weight scale of the class).
//
// Activations are kept per image in HWC order (channels innermost), so the
// im2col patch of a 3x3 convolution is three contiguous runs of bytes; taps
// are returned dequantized in the CHW order model.Runner uses.
//
// Files named *_ref.go hold one reference op each, the specification, in
// plain loops. The Runner's fast path is conv.go and dense.go
// (quant/internal/kernel's GemmRequant, the GEMM with the requantization
// fused in: where the kernel can, convolutions read their patches in place
// from images kept with a zero-point border (act.go) and write the next
// one's bordered image, the others go through im2col.go in L1-sized chunks),
// input.go (kernel.Normalize, straight into the stem's padded input) and
// add.go (kernel.Add); tests prove it equal to the reference ops
// bit for bit, on single ops over odd shapes and on whole networks.
//
// Building a Model takes two steps: Calibrate runs the float network over
// training images once and records every quantized tensor's range
// (exact min/max and a histogram for percentiles); Quantize turns the net and
// that calibration into a Model with the chosen observer, so a caller can
// quantize with both observers and keep the one scoring best on validation
// images (Choose does exactly that). The Model is written and read with
// WriteTo and Read (format.go), and Ranges exports its activation ranges so
// that ONNX Runtime can run the same quantization (tools/ort/qdq.py).
package quant
