# edgecache: see README.md. Every target runs from the repository root.
DATA   ?= ../shared/data
GO     ?= go
BIN    := bin
export EDGECACHE_DATA := $(abspath $(DATA))
export CGO_ENABLED := 0

.PHONY: soak all build cross test test-unit test-arm lint bench bench-arm bench-arm-deps demo golden fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/edgecache ./tools/edgecache
	$(GO) build -o $(BIN)/firmware ./firmware

# The board program for each Raspberry Pi: Pi 3/4/5 (64-bit OS), Pi 2/3
# (32-bit), Pi Zero/1 (ARMv6). Static (CGO_ENABLED=0, exported above) Linux
# binaries from any host; -trimpath keeps the build machine's paths out, and
# -s -w drop the symbol table and DWARF (3.2 MB of 10.9; panics still name
# their functions, from the runtime's own tables).
# With file(1) at hand, a binary that is not statically linked is an error.
cross:
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/firmware-linux-arm64 ./firmware
	GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/firmware-linux-armv7 ./firmware
	GOOS=linux GOARCH=arm GOARM=6 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/firmware-linux-armv6 ./firmware
	@if command -v file >/dev/null; then for b in arm64 armv7 armv6; do \
	  file $(BIN)/firmware-linux-$$b | grep -q 'statically linked' || { file $(BIN)/firmware-linux-$$b; echo "cross: $$b is not static"; exit 1; }; \
	done; file $(BIN)/firmware-linux-* | cut -d, -f1,2,4; fi

# The README's test command: static checks, every package natively, and the
# assembly kernels again as arm64 (and the Go twins as armv6) under qemu.
test: lint test-unit test-arm

test-unit:
	$(GO) test -count=1 ./...

# Packages with assembly kernels (and the code that calls them), run as the
# boards run them: arm64 with and without the dot-product extension (Pi 5,
# Pi 4), and the Go twins on armv6 (Pi Zero) and with -tags noasm.
ASM_PKGS := ./model/internal/gemm/ ./model/internal/winograd/ ./quant/internal/kernel/ ./cache/ ./cache/host/
ARM_PKGS := $(ASM_PKGS) ./model/ ./quant/
# The file parsers, and the file formats of packages tested above, again as
# armv7 (Pi 2/3, 32-bit), where int overflows first: their tests and fuzz seed
# corpora, less the tests that only run whole networks (model/ runs those).
PARSER_PKGS := ./model/hdf5/ ./model/torchfile/ ./model/onnx/ ./model/keras/ ./tools/dataset/
PARSER_ARM_SKIP := ^(TestGolden|TestAkamasterParity)$$
FORMAT_PKGS := ./cache/ ./quant/ ./model/
FORMAT_ARM_RUN := ^(TestFile|TestNorm|TestRoundTrip$$|TestReadRejects$$|Fuzz)
# The board side (bundle, teach log, camera drivers and frame decoding, the
# status page's requests) as armv7, and the board program itself end to end
# under qemu as every Pi runs it (firmware TestBoards builds arm64, armv7 and
# armv6 binaries), and the board program's own tests as arm64 on a core with
# fp16 arithmetic (qemu's default), whose lookup kernel is the Pi 5's.
BOARD_PKGS := ./cache/bundle/ ./cache/journal/ ./device/... ./firmware/status/
test-arm:
	@command -v qemu-aarch64-static >/dev/null || { echo "test-arm: qemu-user-static is not installed (apt-get install qemu-user-static)"; exit 1; }
	GOARCH=arm64 $(GO) test -count=1 -short -exec qemu-aarch64-static $(ARM_PKGS)
	GOARCH=arm64 $(GO) test -count=1 -short -exec 'qemu-aarch64-static -cpu cortex-a72' $(ASM_PKGS)
	GOARCH=arm GOARM=6 $(GO) test -count=1 -short -exec qemu-arm-static $(ASM_PKGS)
	GOARCH=arm GOARM=7 $(GO) test -count=1 -short -exec qemu-arm-static ./quant/internal/kernel/ ./quant/
	GOARCH=arm GOARM=7 $(GO) test -count=1 -short -exec 'qemu-arm-static -cpu cortex-r5f' ./quant/internal/kernel/
	$(GO) test -count=1 -short -tags noasm $(ASM_PKGS)
	GOARCH=arm GOARM=7 $(GO) test -count=1 -short -skip '$(PARSER_ARM_SKIP)' -exec qemu-arm-static $(PARSER_PKGS)
	GOARCH=arm GOARM=7 $(GO) test -count=1 -short -run '$(FORMAT_ARM_RUN)' -exec qemu-arm-static $(FORMAT_PKGS)
	GOARCH=arm GOARM=7 $(GO) test -count=1 -short -exec qemu-arm-static $(BOARD_PKGS)
	EDGECACHE_BOARDS=1 $(GO) test -count=1 -run '^TestBoards$$' ./firmware/
	GOARCH=arm64 $(GO) test -count=1 -short -exec qemu-aarch64-static ./firmware/

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm GOARM=7 $(GO) vet ./...
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

# The boards' figure without a board: arm64 instructions per ResNet32
# inference, ours against ONNX Runtime's own linux-arm64 build (float32 and
# its int8 QDQ twin), counted under qemu-aarch64 on a Cortex-A72 (Pi 4) and a
# Cortex-A76 (Pi 5) by tools/ort/inscount (README, "Speed"). The int8 model
# is quantized once into out/bench-arm; delete it to redo.
ARM_OUT := out/bench-arm
R32_ONNX := $(DATA)/models/ace-compiler/resnet32_cifar10_pre.onnx
bench-arm: bench-arm-deps tools/ort/node_modules tools/ort/arm64/node_modules $(ARM_OUT)/resnet32_qdq.onnx
	$(GO) run ./tools/ort/inscount -model $(R32_ONNX) -quant $(ARM_OUT)/resnet32.q -qdq $(ARM_OUT)/resnet32_qdq.onnx

# qemu-user (the dynamic build loads plugins; -static cannot), arm64 glibc
# and libstdc++ for node, a C compiler for the plugin, onnx for qdq.py.
bench-arm-deps:
	@if ! command -v qemu-aarch64 >/dev/null || ! test -e /lib/ld-linux-aarch64.so.1 || \
	    ! test -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 || ! /usr/bin/python3 -c 'import onnx' 2>/dev/null; then \
	  echo "bench-arm: installing qemu-user, libc6:arm64, libstdc++6:arm64, python3-onnx"; \
	  dpkg --add-architecture arm64 && apt-get update -q && \
	  apt-get install -y -q qemu-user libc6:arm64 libstdc++6:arm64 python3-onnx; fi
	@command -v cc >/dev/null || { echo "bench-arm: a C compiler (cc) is needed for the qemu plugin"; exit 1; }

# Node.js for linux-arm64 (npm refuses the package on other CPUs: --force).
tools/ort/arm64/node_modules:
	cd tools/ort/arm64 && npm ci --force --no-audit --no-fund

$(ARM_OUT)/resnet32.q:
	@mkdir -p $(ARM_OUT)
	$(GO) build -o $(BIN)/edgecache ./tools/edgecache
	$(BIN)/edgecache quantize -model $(R32_ONNX) -data $(DATA)/cifar10-jpeg -o $@ -ranges $(ARM_OUT)/resnet32.ranges.json

$(ARM_OUT)/resnet32_qdq.onnx: $(ARM_OUT)/resnet32.q
	/usr/bin/python3 tools/ort/qdq.py $(R32_ONNX) $(ARM_OUT)/resnet32.ranges.json $@

demo: build
	$(BIN)/edgecache demo -data $(DATA)

# The board program over 100,000 replayed frames with its memory sampled
# (after make demo, which writes the bundle).
soak: build
	firmware/deploy/soak.sh $(BIN)/firmware out/demo/board.bundle $(DATA)/cifar10-jpeg/test 100000

# Regenerate the committed golden logits from the reference runtimes.
golden: tools/ort/node_modules
	/usr/bin/python3 tools/golden/torch_golden.py $(DATA)
	node tools/golden/onnx_golden.mjs $(DATA)
	/usr/bin/python3 tools/golden/keras_golden.py $(DATA)

# A short run of every fuzz target (FUZZTIME each); a package whose tests do
# not build is an error, not a package without targets.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  list=$$($(GO) test -list '^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
	  for f in $$(echo "$$list" | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

clean:
	rm -rf $(BIN)
