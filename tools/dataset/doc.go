// Package dataset reads the image sets the host tools train caches on and
// evaluate with: CIFAR-10 and CIFAR-100 in their official binary formats, and
// ImageFolder trees of PNG or JPEG files (ROOT/<split>/<class>/<file>).
//
// Open detects the format from the files present and returns a Set: a fixed,
// deterministic sequence of labelled 32x32 images that loads each image as the
// network's input (model.Pixels: CHW planes scaled to [0, 1]).
//
// # Splits
//
// Open takes one of four split names:
//
//	"train"  all training images
//	"test"   the test images
//	"val"    the held-out 10% of the training images (5,000 of CIFAR-10's 50,000)
//	"fit"    the other training images: train minus val (45,000)
//
// The validation images are those the cache paper tunes its theta and lambda
// on (A. E. Orhan, "A Simple Cache Model for Image Recognition", NeurIPS 2018:
// 45,000 / 5,000). The paper does not say which 5,000, so this package fixes
// a deterministic, class-balanced choice: the last 10% of each class, in file
// or record order. For a class of n images that is n/10 of them; when the
// class sizes are not multiples of ten, the fractions are rounded so that the
// total is exactly N/10 of the N training images (largest remainder first,
// ties to the lower class index). On full CIFAR-10 this is the last 500
// images of each class; on the shortened 4,000-record binary file it is 400
// images, 37 to 42 per class.
//
// An ImageFolder tree with its own ROOT/val folder keeps it: "val" reads that
// folder and "fit" is the whole training folder.
//
// # Layouts
//
// CIFAR-10 binary: DIR/ or DIR/cifar-10-batches-bin/ holding data_batch_1.bin
// .. data_batch_5.bin (those present, in that order, are the training split),
// test_batch.bin and batches.meta.txt (the class names, one a line).
//
// CIFAR-100 binary: DIR/ or DIR/cifar-100-binary/ holding train.bin, test.bin
// and fine_label_names.txt (coarse_label_names.txt is read when present). The
// set's labels are the 100 fine labels.
//
// ImageFolder: ROOT/<split>/<class>/*.png|*.jpg|*.jpeg, or ROOT/<class>/...
// when ROOT has no train, test or val folder (then every split name reads the
// same tree). Classes are the class folder names sorted bytewise, taken over
// all split folders together, so that a class missing from one split cannot
// shift the labels of another. Files within a class are in natural order
// (digit runs compare by value: 2.jpg before 10.jpg). Hidden files, other
// extensions and nested folders are ignored. Images must be 32x32; a file of
// another size or one that does not decode is an error naming the file when
// it is loaded, not when the set is opened, since opening decodes nothing.
package dataset
