// Package winograd runs 3x3 stride-1 convolutions with Winograd's minimal
// filtering algorithm F(2x2, 3x3): each 2x2 block of outputs comes from a 4x4
// block ("tile") of the padded input with 16 multiplies per input channel
// instead of 36, 2.25 times fewer (S. Winograd, Arithmetic Complexity of
// Computations, SIAM 1980; A. Lavin and S. Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016, whose transform matrices B, G and
// A this package uses).
//
// For output channel k, input channel c and tile t:
//
//	U[e][k][c] = (G g[k][c] G^T)[e]      the filter, transformed once
//	V[e][c][t] = (B^T d[c][t] B)[e]      the input tile, per run
//	M[e][k][t] = sum over c of U[e][k][c] * V[e][c][t]
//	y[k][t]    = A^T M[.][k][t] A        the 2x2 outputs
//
// for the 16 positions e of a 4x4 tile. The sum over c is 16 independent
// matrix products (Product), with the filter packed in package gemm's panel
// layout. Their reductions are short (In = 16 to 64 steps), so they have their
// own kernel: no offsets, no epilogue, whole-vector stores, and every position
// and panel of a block in one call. Tiles are processed in blocks of whole
// tile rows (up to 48 tiles), so V and M of one block stay in the core's
// caches.
//
// Rounding differs from the direct convolution: the input transform adds and
// subtracts up to four pixels twice, the output transform sums three products
// twice, and G holds halves; the error of each output stays within a small
// multiple of the unit roundoff times the sum of the absolute values of the
// terms the transforms combine (Barabasz, Anderson, Soodhalter and Gregg,
// "Error analysis and improving the accuracy of Winograd convolution for deep
// neural networks", ACM TOMS 46(4), 2020, for the form of the bound; the tests
// derive it for these matrices).
//
// The transforms and the product are AVX-512 on amd64 (16 tiles of one tile
// row per vector) and Go elsewhere and with -tags noasm; the transforms give
// the same bits either way, the products agree within rounding (the assembly
// fuses multiply and add). model picks this path only where it is assembly
// (Accelerated): the Go twins are for correctness, not speed.
package winograd
