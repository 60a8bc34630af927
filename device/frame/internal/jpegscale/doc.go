// Package jpegscale decodes baseline JPEG camera frames straight to 1/2,
// 1/4 or 1/8 of their size, the way libjpeg's scale_num/scale_denom option
// does: each 8x8 block of DCT coefficients goes through a reduced inverse
// DCT that yields 4x4, 2x2 or 1x1 samples, so the full-size IDCT and the
// full-size planes are never computed. Every Huffman symbol is still
// decoded (the entropy code has no shortcut), but only the coefficients
// the reduced transform reads are dequantized.
//
// The reduced transform is the box average of the full one: sample k of
// the 1/s output is the mean of samples s*k .. s*k+s-1 of the real-valued
// 8-point IDCT (ITU-T T.81, A.3.3), before rounding and clamping. In one
// dimension the mean of cos((2x+1)u*pi/16) over those s samples is
// cos((2sk+s)u*pi/16) * sin(su*pi/16) / (s*sin(u*pi/16)) (a Dirichlet
// kernel), so each output is a fixed linear combination of the block's
// coefficients; frequencies whose combination weights are all zero are
// never read (u = 4 at 1/2; u = 2, 4, 6 at 1/4; all but u = 0 at 1/8, the
// DC term alone). These are the outputs of libjpeg 6b's jidctred.c
// (jpeg_idct_4x4, jpeg_idct_2x2, jpeg_idct_1x1; the same coefficient sets
// and, for 2x2, the same ratios of constants); this package evaluates them
// in float32 from precomputed tables instead of libjpeg's fixed point.
//
// What it decodes: sequential DCT frames (SOF0 baseline and SOF1 extended
// with Huffman coding), 8-bit samples, one component (grey) or three
// (YCbCr), sampling factors 1 or 2 (4:4:4, 4:2:2, 4:2:0, 4:4:0), interleaved
// or one-component scans, restart intervals, byte stuffing and fill bytes;
// APPn and COM segments are skipped. Everything else (progressive, lossless
// or arithmetic-coded frames, 12-bit samples, four components or Adobe RGB,
// larger sampling factors, a scan whose Huffman table was never defined)
// is ErrUnsupported, for the caller to hand the frame to image/jpeg. Marker
// and segment layouts are from T.81 Annex B; the Huffman code construction
// from Annex C and the decoding procedures from F.2.2.
//
// Bad data is an error, never a panic: a frame larger than the decoder's
// pixel limit is refused before anything is allocated (sizes are computed
// in int64, so a 65535x65535 header cannot wrap a 32-bit board's int), and
// a scan that ends (end of data, or a marker) before its last block is
// ErrTruncated. image/jpeg fails on a truncated scan too, so the two
// decoders agree on which frames are usable.
package jpegscale
