// Package onnx imports CIFAR ResNets from ONNX files into model.Weights, in
// pure Go: it decodes the protobuf with google.golang.org/protobuf's wire
// reader (no generated code, no ONNX runtime) and recognises the network by
// walking the graph from its input, so it does not depend on how an exporter
// named the initializers (ace-compiler's are "onnx::Conv_322").
//
// What it accepts is what torch.onnx.export writes for a CIFAR ResNet, folded
// or not: Conv (3x3 or 1x1, symmetric padding, group 1, no dilation) with an
// optional bias and an optional BatchNormalization after it, Relu, the
// residual Add, projection shortcuts (1x1 Conv, shortcut kind B) or option-A
// shortcuts (strided Slice then a channel Pad, shortcut kind A),
// GlobalAveragePool or a whole-plane AveragePool or ReduceMean (after an
// optional zero Pad), Flatten, Reshape or Squeeze, and Gemm or MatMul+Add.
// Small constant subgraphs that exporters leave behind (Pad's pads computed
// through ConstantOfShape, Concat, Slice, Transpose, Cast, Reshape, Shape,
// Gather, Add, Sub, Mul) are evaluated, and x.view(x.size(0), -1) is
// understood: Shape of an activation folds to a batch-size marker that only
// the final Reshape accepts. Identity nodes are looked through. Batch norm is
// folded into the convolution here, with each node's own epsilon, so the
// returned weights hold no batch-norm tensors and Spec.BNEps does not matter
// for them.
//
// Anything else is refused with an error naming the node, its op and what was
// expected. The file format is onnx/onnx.proto
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, checked against
// the copy in the onnx 1.12 Python package); field numbers are cited where
// they are decoded.
package onnx
