package torchfile

import "strings"

// canonicalName maps a PyTorch state-dict key to the name package model
// uses. akamaster's resnet.py (github.com/akamaster/pytorch_resnet_cifar10)
// calls the output layer "linear" and, for option B, builds the projection
// shortcut as nn.Sequential(conv 1x1, BatchNorm2d), whose parameters are
// "shortcut.0.*" and "shortcut.1.*"; training under nn.DataParallel adds
// "module." in front of every key.
func canonicalName(name string) string {
	for strings.HasPrefix(name, "module.") {
		name = name[len("module."):]
	}
	if rest, ok := strings.CutPrefix(name, "linear."); ok {
		return "fc." + rest
	}
	if !strings.HasPrefix(name, "layer") {
		return name
	}
	if i := strings.Index(name, ".shortcut.0."); i >= 0 {
		return name[:i] + ".shortcut." + name[i+len(".shortcut.0."):]
	}
	if i := strings.Index(name, ".shortcut.1."); i >= 0 {
		return name[:i] + ".shortcut_bn." + name[i+len(".shortcut.1."):]
	}
	return name
}
