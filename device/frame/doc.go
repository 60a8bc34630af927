// Package frame turns camera frames into the network's input: it decodes
// each frame format a device.Source yields (JPEG, RGB565 big-endian, YUYV
// 4:2:2, or an already decoded image), crops a region of interest (by
// default the centred largest square), averages it down by area to S x S
// (32 for the CIFAR networks) and writes CHW float32 pixels in [0, 1]: the
// form model.Pixels gives for a 32x32 image, and the form the model and
// quant runners take. The runners apply the network's own normalisation
// (mean and std) themselves, so it lives in one place, beside the weights
// it belongs to; this package never normalises.
//
// A Converter keeps its buffers between frames: once it has seen a frame
// size, converting raw (RGB565BE, YUYV) frames, decoded images of the
// common types and JPEG frames decoded at reduced scale allocates nothing.
// JPEG frames decoded at full size go through image/jpeg, which allocates
// its output planes on every call; the converter then averages straight
// from the decoded Y, Cb and Cr planes, never building an RGBA copy.
//
// JPEG decoding was most of what converting a frame cost (two thirds to
// nine tenths of a 320x240 frame's time by BenchmarkFrameVsNet,
// decode/frame-%). So a JPEG frame whose region of interest is at least
// 2*Size pixels a side is decoded at 1/2, 1/4 or 1/8 scale in the DCT
// domain (internal/jpegscale, libjpeg's scale_num/scale_denom idea): the
// largest scale that leaves the ROI 2*Size samples a side, 1/2 for a
// 320x240 frame and Size 32, 1/4 from 512x512 up. The reduced transform
// skips the full-size inverse DCT and planes; the entropy decoding stays.
// The margin of 2 is measured, not chosen: on the frame-path study
// (tools/framesim) a margin of 1 (1/4 scale at 320x240) cost 2 points of
// top-1, 2 costs 0.2 to 0.6 points (2 to 6 of its 1,000 images, below
// its noise but in every row), for 2.5x less time. The reduced planes are box
// averages of the full decode's to about 1/4 level on average; the 32x32
// outputs differ from the full decode's by under a level on average for
// camera-like frames (scaled_test.go), so inputs are no longer bit-exact
// with image/jpeg's decode. Opts.FullDecode restores that. Frames the
// reduced decoder does not handle (progressive, arithmetic-coded, 12-bit,
// RGB or CMYK JPEGs, sampling factors over 2) go to image/jpeg, as do all
// frames too small to scale, so a 32x32 JPEG still gives model.Pixels'
// tensor bit for bit. Asking the camera for a smaller frame (160x120: the
// ArduCAM's smallest JPEG, rpicam-vid's --width/--height) still decodes
// fewer pixels for the same 32x32 input (the jpeg160 frame in the
// benchmark).
//
// Resizing is area averaging: each output pixel is the mean of the source
// area it covers, partial pixels weighted by their overlap. That is the
// right filter for shrinking a camera frame (every source pixel counts
// once, so sensor noise and JPEG ringing average out), and it is exact on
// a frame already S x S: such a frame gives model.Pixels' tensor bit for bit.
package frame
