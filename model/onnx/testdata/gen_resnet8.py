"""Writes resnet8_tiny.onnx, a small random-weight CIFAR ResNet-8 exported by
torch.onnx.export the way a user exports an akamaster-style network that was
never folded: BatchNormalization nodes kept (TrainingMode.PRESERVE on an eval
model), option-A shortcuts (x[:, :, ::2, ::2] then F.pad on channels, which
torch writes as two strided Slices and a Pad whose pads come from a constant
subgraph), AveragePool over the whole plane, Flatten, and MatMul + Add instead
of Gemm. The stem's batch norm uses epsilon 1e-3, the others PyTorch's 1e-5,
so per-node epsilons are exercised.

Usage: /usr/bin/python3 model/onnx/testdata/gen_resnet8.py
Then:  node tools/golden/onnx_golden.mjs   (writes the ORT golden logits)

With --variants DIR it instead writes into DIR (not the repository: about
300 KB each) the same kind of network exported in six other ways, each with
torch's own logits on goldenlib's seeded inputs (variant_NAME.onnx and
variant_NAME.json): with and without constant folding, eval mode (batch norm
folded by the exporter), opset 11, and akamaster's x.view(x.size(0), -1) with
fixed and dynamic batch. TestTorchVariants checks them when
EDGECACHE_ONNX_VARIANTS=DIR is set.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resnet8_tiny.onnx")


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2 if stride != 1 or cin != cout else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
        return F.relu(y + s)


class ResNet8(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16, eps=1e-3)
        self.layer1 = Block(16, 16, 1)
        self.layer2 = Block(16, 32, 2)
        self.layer3 = Block(32, 64, 2)
        self.fc_weight = nn.Parameter(torch.zeros(64, classes))  # stored [in, out]: MatMul, no transpose
        self.fc_bias = nn.Parameter(torch.zeros(classes))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.avg_pool2d(x, 8)
        x = torch.flatten(x, 1)
        return torch.matmul(x, self.fc_weight) + self.fc_bias


def randomize(net, gen):
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
        net.fc_weight.copy_(0.3 * torch.randn(net.fc_weight.shape, generator=gen))
        net.fc_bias.copy_(0.1 * torch.randn(net.fc_bias.shape, generator=gen))


class ViewNet(ResNet8):
    """akamaster's tail: adaptive pooling and out.view(out.size(0), -1)."""

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        x = x.view(x.size(0), -1)
        return torch.matmul(x, self.fc_weight) + self.fc_bias


def variants(out):
    sys.path.insert(0, os.path.join(os.path.dirname(OUT), "..", "..", "..", "tools", "golden"))
    import numpy as np
    import goldenlib
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    specs = [{"seed": s} for s in goldenlib.SEEDS]
    pixels = torch.from_numpy(np.stack([goldenlib.random_input(s) for s in goldenlib.SEEDS]))
    dynamic = {"input": {0: "batch"}, "logits": {0: "batch"}}
    preserve = torch.onnx.TrainingMode.PRESERVE
    os.makedirs(out, exist_ok=True)
    for k, (name, cls, kw) in enumerate([
        ("preserve_nofold", ResNet8, dict(training=preserve, do_constant_folding=False, dynamic_axes=dynamic)),
        ("eval", ResNet8, dict()),
        ("eval_opset11", ResNet8, dict(opset_version=11)),
        ("view_dynamic", ViewNet, dict(dynamic_axes=dynamic)),
        ("view_fixed", ViewNet, dict()),
        ("view_nofold", ViewNet, dict(do_constant_folding=False)),
    ]):
        net = cls().eval()
        randomize(net, torch.Generator().manual_seed(k))
        path = os.path.join(out, "variant_%s.onnx" % name)
        kw.setdefault("opset_version", 13)
        torch.onnx.export(net, torch.zeros(1, 3, 32, 32), path, input_names=["input"], output_names=["logits"], **kw)
        with torch.no_grad():
            logits = net((pixels - mean) / std).numpy()
        goldenlib.write(os.path.join(out, "variant_%s.json" % name), os.path.basename(path),
                        "torch %s (CPU, float32)" % torch.__version__, specs, logits)
        print(path)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--variants":
        variants(sys.argv[2])
        return
    net = ResNet8().eval()
    randomize(net, torch.Generator().manual_seed(20261125))
    torch.onnx.export(net, torch.zeros(1, 3, 32, 32), OUT, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print("%s: %d bytes" % (OUT, os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
