package model

// CIFAR10Labels are the CIFAR-10 class names in label order (batches.meta.txt
// of the official binary version, https://www.cs.toronto.edu/~kriz/cifar.html).
// Importers use them for 10-class files, which do not name their classes.
var CIFAR10Labels = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// ImageNetNorm is the per-channel normalisation the akamaster and ace-compiler
// CIFAR ResNets were trained with: ImageNet's channel means and stds, applied
// to pixels / 255 (transforms.Normalize in akamaster's trainer.py).
func ImageNetNorm() Norm {
	return Norm{Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}
}
