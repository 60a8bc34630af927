# edgecache: see README.md. Every target runs from the repository root.
DATA   ?= ../shared/data
GO     ?= go
BIN    := bin
export EDGECACHE_DATA := $(abspath $(DATA))
export CGO_ENABLED := 0

.PHONY: all build cross test test-unit test-arm lint bench demo golden fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/edgecache ./tools/edgecache
	$(GO) build -o $(BIN)/firmware ./firmware

# The board program for each Raspberry Pi: Pi 3/4/5 (64-bit OS), Pi 2/3
# (32-bit), Pi Zero/1 (ARMv6).
cross:
	GOARCH=arm64 $(GO) build -o $(BIN)/firmware-linux-arm64 ./firmware
	GOARCH=arm GOARM=7 $(GO) build -o $(BIN)/firmware-linux-armv7 ./firmware
	GOARCH=arm GOARM=6 $(GO) build -o $(BIN)/firmware-linux-armv6 ./firmware

# The README's test command: static checks, every package natively, and the
# assembly kernels again as arm64 (and the Go twins as armv6) under qemu.
test: lint test-unit test-arm

test-unit:
	$(GO) test -count=1 ./...

# Packages with assembly kernels (and the code that calls them), run as the
# boards run them: arm64 with and without the dot-product extension (Pi 5,
# Pi 4), and the Go twins on armv6 (Pi Zero) and with -tags noasm.
ASM_PKGS := ./model/internal/gemm/ ./quant/internal/kernel/ ./cache/
ARM_PKGS := $(ASM_PKGS) ./model/ ./quant/
test-arm:
	@command -v qemu-aarch64-static >/dev/null || { echo "test-arm: qemu-user-static is not installed (apt-get install qemu-user-static)"; exit 1; }
	GOARCH=arm64 $(GO) test -count=1 -short -exec qemu-aarch64-static $(ARM_PKGS)
	GOARCH=arm64 $(GO) test -count=1 -short -exec 'qemu-aarch64-static -cpu cortex-a72' $(ASM_PKGS)
	GOARCH=arm GOARM=6 $(GO) test -count=1 -short -exec qemu-arm-static $(ASM_PKGS)
	$(GO) test -count=1 -short -tags noasm $(ASM_PKGS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm GOARM=6 $(GO) vet ./...

# Benchmarks: ours and ONNX Runtime's in the same run (see README, "Speed").
# The network against ONNX Runtime, then the board's per-frame split (int8
# network against the lookup in a 4 MiB cache) and the lookup kernels.
bench: build tools/ort/node_modules
	$(BIN)/edgecache bench -model $(DATA)/models/ace-compiler/resnet32_cifar10_pre.onnx
	$(GO) test -run '^$$' -bench 'Frame' ./firmware
	$(GO) test -run '^$$' -bench 'Dots|Probs|Exps|Project' ./cache

tools/ort/node_modules:
	cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund

demo: build
	$(BIN)/edgecache demo -data $(DATA)

# Regenerate the committed golden logits from the reference runtimes.
golden: tools/ort/node_modules
	/usr/bin/python3 tools/golden/torch_golden.py $(DATA)
	node tools/golden/onnx_golden.mjs $(DATA)
	/usr/bin/python3 tools/golden/keras_golden.py $(DATA)

# A short run of every fuzz target (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

clean:
	rm -rf $(BIN)
