// Package kernel holds the int8 matrix kernels of the quantized model: one
// readable reference (the specification) and fast versions for amd64 and
// arm64, proven bit-exact against it.
//
// The product every convolution and the final layer reduce to is
//
//	c[i*ldc+j] = sum over k < depth of int32(a[i][k]) * int32(b[j*ldb+k])
//
// with a the int8 weights of output channel i (symmetric, -127..127, packed
// once by PackWeights) and b row j the uint8 activations of one output pixel
// (an im2col patch, depth-contiguous). Zero points and requantization are the
// caller's: with weights symmetric, sum w*(x-zp) = sum w*x - zp*sum w.
package kernel
