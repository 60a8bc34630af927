#!/bin/bash
# The paper's protocol, uncut, for every shipped CIFAR-10 model: the commands
# behind docs/results/README.md's table (run from the repository root after
# `make build`; about 11 to 26 minutes a model on a shared 2-core machine).
# Figures go to out/cache/full-NAME.{json,md,log}, heatmaps to docs/results.
set -u
D=${DATA:-../shared/data}
B=bin/edgecache
mkdir -p out/cache
[ -f out/cifar10-jpeg-train.norm ] || $B norm -data $D/cifar10-jpeg -o out/cifar10-jpeg-train.norm
R32=85.5556,0.5111,72.2222 # the paper's ResNet32 theta, lambda, CacheOnly theta
R20=80,0.5111,74.4444      # and ResNet20's; it has none for ResNet44/56
run() {
  name=$1
  shift
  start=$(date +%s)
  $B cache table "$@" -data $D/cifar10-jpeg -test-data $D/cifar10 \
    -heatmap docs/results/$name-heatmap.png -json out/cache/full-$name.json -md out/cache/full-$name.md \
    >out/cache/full-$name.log 2>&1
  echo "$name: exit $?, $(($(date +%s) - start)) s"
}
# also keeps the full cache (2.3 GB) that `cache fit` starts from
run akamaster-resnet32 -model $D/models/akamaster/resnet32-d509ac18.th -paper $R32 -o-cache out/cache/akamaster-resnet32.cache
run onnx-resnet32 -model $D/models/ace-compiler/resnet32_cifar10_pre.onnx -paper $R32
run keras-resnet32 -model $D/models/simple-cache/cifar10_ResNet32v1_model.150.h5 -norm out/cifar10-jpeg-train.norm -paper $R32
run keras-resnet20 -model $D/models/simple-cache/cifar10_ResNet20v1_model.178.h5 -norm out/cifar10-jpeg-train.norm -paper $R20
run akamaster-resnet20 -model $D/models/akamaster/resnet20-12fca82f.th -paper $R20
run akamaster-resnet56 -model $D/models/akamaster/resnet56-4bfd9763.th -paper $R32
run akamaster-resnet44 -model $D/models/akamaster/resnet44-014dd654.th -paper $R32
