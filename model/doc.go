// Package model holds the float32 CIFAR ResNet that everything else builds on:
// its architecture (ResNet-n, n = 6k+2, with shortcut kind A or B and PyTorch or
// Keras padding), its weights with batch norm folded into the convolutions, and
// a batched forward pass that exposes named taps for the cache.
//
// Importers (model/torchfile, model/onnx, model/keras) decode a file into
// Weights under canonical names and call Build, which infers the architecture
// from the tensors and checks every shape. The canonical names are those of the
// akamaster PyTorch ResNets (github.com/akamaster/pytorch_resnet_cifar10)
// without the "module." prefix, with the final layer called "fc":
//
//	conv1.weight [16,3,3,3]   conv1.bias [16]        (bias optional)
//	bn1.weight bn1.bias bn1.running_mean bn1.running_var [16]   (optional: absent when folded)
//	layerS.B.conv1.weight [C,Cin,3,3]  layerS.B.conv1.bias  layerS.B.bn1.*
//	layerS.B.conv2.weight [C,C,3,3]    layerS.B.conv2.bias  layerS.B.bn2.*
//	layerS.B.shortcut.weight [C,Cin,1,1] layerS.B.shortcut.bias   (shortcut B only)
//	layerS.B.shortcut_bn.*                                          (optional)
//	fc.weight [classes,64]  fc.bias [classes]
//
// S is the stage, 1 to 3; B the block within the stage, from 0. Convolution
// weights are OIHW, as PyTorch and ONNX store them.
//
// Tap names follow the weight names: "conv1" is the stem after its ReLU,
// "layerS.B.relu" a block's inner ReLU (after conv1 and bn1), "layerS.B" a
// block's output (after the residual add and ReLU), "pool" the global average
// pool and "fc" the logits.
//
// Convolutions run as an implicit GEMM (model/internal/gemm) and, for the 3x3
// stride-1 ones that are nearly all of the work, as Winograd's F(2x2, 3x3)
// (model/internal/winograd) where its transforms run in assembly (amd64 with
// AVX-512): 2.25 times fewer multiplies, rounding within a bound the tests
// derive (conv_winograd_test.go). convRef is the specification both follow.
package model
