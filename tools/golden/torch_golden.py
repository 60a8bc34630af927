"""Golden logits for model/torchfile, computed by PyTorch itself.

Usage: /usr/bin/python3 tools/golden/torch_golden.py [DATA_DIR]

1. For each akamaster CIFAR-10 ResNet in DATA_DIR/models/akamaster (a legacy,
   non-zip torch.save of {'state_dict', 'best_prec1'}), rebuild the network in
   torch (the class below follows github.com/akamaster/pytorch_resnet_cifar10
   resnet.py, option-A shortcuts), load the file with map_location='cpu' and
   write model/torchfile/testdata/golden_resnetN.json.
2. Write two small random-weight ResNet-8 checkpoints into testdata, one per
   torch.save format, each with awkward but legal contents for the reader:
   - resnet8_legacy.th: legacy format, akamaster-style {'state_dict' with
     "module." keys, 'best_prec1'}, option-A shortcuts, most tensors float16
     (half the file size), one float64, num_batches_tracked int64 buffers.
   - resnet8_zip.pt: zip format, {'model_state_dict', 'epoch'}, option-B
     (nn.Sequential conv+BN) shortcuts, float32 but for one bfloat16 and one
     float16 tensor, the stem's batch-norm vectors stored as views of one
     shared storage (nonzero storage offsets) and the final layer's weight
     non-contiguous (a transposed view).
   Their golden logits use only the hash-generated inputs, so the Go tests on
   them need no shared data. The logits come from torch.load of the written
   file, so they reflect exactly what the file holds.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import goldenlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "model", "torchfile", "testdata")
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
AKAMASTER = ["resnet20-12fca82f.th", "resnet32-d509ac18.th", "resnet44-014dd654.th", "resnet56-4bfd9763.th"]


class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            if option == "A":
                # He et al. 2016 option A, as akamaster: subsample, zero-pad channels.
                self.shortcut = LambdaLayer(
                    lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                              nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, blocks, classes=10, option="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        for s, planes in enumerate([16, 32, 64]):
            layers = []
            for b in range(blocks):
                stride = 2 if s > 0 and b == 0 else 1
                layers.append(BasicBlock(in_planes, planes, stride, option))
                in_planes = planes
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*layers))
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3]).view(out.size(0), -1)
        return self.linear(out)


def logits(net, pixels):
    with torch.no_grad():
        x = (torch.from_numpy(pixels) - MEAN) / STD
        return net(x).numpy()


def strip_module(sd):
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}


def reference():
    return "torch %s (CPU, float32)" % torch.__version__


def akamaster(data):
    specs, pixels = goldenlib.inputs(data)
    for name in AKAMASTER:
        depth = int(name[len("resnet"):name.index("-")])
        net = ResNet((depth - 2) // 6).eval()
        ckpt = torch.load(os.path.join(data, "models", "akamaster", name), map_location="cpu")
        net.load_state_dict(strip_module(ckpt["state_dict"]))
        out = logits(net, pixels)
        path = os.path.join(OUT, "golden_resnet%d.json" % depth)
        goldenlib.write(path, "models/akamaster/" + name, reference(), specs, out)
        print("%s: %d inputs, top-1 of sample 0: %d" % (path, len(out), int(np.argmax(out[0]))))


def randomize(net, gen):
    """Random weights and batch-norm running statistics, so that folding BN is
    exercised with values far from the defaults (mean 0, var 1)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / m.weight[0].numel()) ** 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(1 + 0.2 * torch.randn(c, generator=gen))
                m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.Linear):
                m.weight.copy_(0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def small(name, option, seed, legacy):
    gen = torch.Generator().manual_seed(seed)
    net = ResNet(1, option=option).eval()
    randomize(net, gen)
    sd = net.state_dict()
    if legacy:
        # Half precision keeps the committed file small and covers the float16
        # path; one float64 tensor covers that conversion.
        sd = {k: (v.half() if v.is_floating_point() and v.dim() == 4 else v) for k, v in sd.items()}
        sd["linear.bias"] = sd["linear.bias"].double()
        obj = {"state_dict": {"module." + k: v for k, v in sd.items()}, "best_prec1": 12.5}
    else:
        # Views with storage offsets and strides: four vectors in one storage,
        # and a [10, 64] weight stored transposed.
        shared = torch.stack([sd["bn1.weight"], sd["bn1.bias"], sd["bn1.running_mean"], sd["bn1.running_var"]])
        for i, p in enumerate(["weight", "bias", "running_mean", "running_var"]):
            sd["bn1." + p] = shared[i]
        sd["linear.weight"] = sd["linear.weight"].t().contiguous().t()
        assert not sd["linear.weight"].is_contiguous() and sd["bn1.bias"].storage_offset() == 16
        # The two largest tensors in 16 bits keep the file small and cover
        # bfloat16 and float16 in this format too.
        sd["layer3.0.conv2.weight"] = sd["layer3.0.conv2.weight"].bfloat16()
        sd["layer3.0.conv1.weight"] = sd["layer3.0.conv1.weight"].half()
        obj = {"model_state_dict": sd, "epoch": 3}
    path = os.path.join(OUT, name)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)

    # The reference loads the written file back, as a user would.
    ckpt = torch.load(path, map_location="cpu")
    sd = ckpt["state_dict"] if legacy else ckpt["model_state_dict"]
    check = ResNet(1, option=option).eval()
    check.load_state_dict(strip_module(sd))
    specs = [{"seed": s} for s in goldenlib.SEEDS]
    pixels = np.stack([goldenlib.random_input(s) for s in goldenlib.SEEDS])
    out = logits(check, pixels)
    golden = os.path.join(OUT, "golden_" + os.path.splitext(name)[0] + ".json")
    goldenlib.write(golden, "model/torchfile/testdata/" + name, reference(), specs, out)
    print("%s: %d bytes; %s" % (path, os.path.getsize(path), golden))


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    small("resnet8_legacy.th", "A", 8, legacy=True)
    small("resnet8_zip.pt", "B", 9, legacy=False)
    akamaster(data)


if __name__ == "__main__":
    main()
