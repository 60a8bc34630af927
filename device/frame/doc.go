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
// size, converting raw (RGB565BE, YUYV) frames and decoded images of the
// common types allocates nothing. JPEG frames are decoded by image/jpeg,
// which allocates its output planes on every call; the converter then
// averages straight from the decoded Y, Cb and Cr planes, never building
// an RGBA copy.
//
// JPEG decoding is most of what converting a frame costs: two thirds to
// nine tenths of a 320x240 frame's time (BenchmarkFrameVsNet,
// decode/frame-%, on a shared 2-core host).
// Decoding at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg's
// scale_num/scale_denom, libjpeg.txt; image/jpeg has no such option) would
// skip the inverse DCT and the full-size planes, about 40% of the
// conversion's time by CPU profile, but not the entropy decoding, which
// stays; the price is a second JPEG decoder to keep and fuzz, and inputs no
// longer bit-exact with a full decode. Asking the camera for 160x120
// instead (the ArduCAM's smallest JPEG, rpicam-vid's --width/--height)
// decodes a quarter of the pixels for the same 32x32 input (the jpeg160
// frame in the benchmark).
//
// Resizing is area averaging: each output pixel is the mean of the source
// area it covers, partial pixels weighted by their overlap. That is the
// right filter for shrinking a camera frame (every source pixel counts
// once, so sensor noise and JPEG ringing average out), and it is exact on
// a frame already S x S: such a frame gives model.Pixels' tensor bit for bit.
package frame
