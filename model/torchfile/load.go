package torchfile

import (
	"fmt"
	"os"

	"github.com/edgecache/edgecache/model"
)

// AkamasterSpec describes the akamaster CIFAR-10 ResNets
// (github.com/akamaster/pytorch_resnet_cifar10, trainer.py): inputs
// normalised per channel with the ImageNet mean and std, PyTorch's symmetric
// padding and batch-norm epsilon, the CIFAR-10 classes in label order
// (batches.meta.txt).
var AkamasterSpec = model.Spec{
	Name:    "akamaster",
	Padding: model.PadSymmetric,
	Norm:    model.ImageNetNorm(),
	BNEps:   1e-5,
	Labels:  model.CIFAR10Labels,
}

// Load reads the checkpoint at path and builds the network it holds.
func Load(path string, spec model.Spec) (*model.Net, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("torchfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("torchfile: %w", err)
	}
	w, err := readWeights(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("torchfile: %s: %w", path, err)
	}
	n, err := model.Build(spec, w)
	if err != nil {
		return nil, fmt.Errorf("torchfile: %s: %w", path, err)
	}
	return n, nil
}
