package torchfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// FuzzReadWeights feeds mutated checkpoints to ReadWeights and, when it
// succeeds, to model.Build: neither may panic, and every error must carry the
// package prefix. Seeds: the two committed ResNet-8 files and small
// generated ones in both formats (small seeds mutate faster), and a zip
// bomb of overlapping entries.
//
//	go test -run '^$' -fuzz FuzzReadWeights -fuzztime 60s ./model/torchfile/
func FuzzReadWeights(f *testing.F) {
	f.Add(readFile(f, "testdata/resnet8_legacy.th"))
	f.Add(readFile(f, "testdata/resnet8_zip.pt"))
	tiny := &fakeCheckpoint{storages: map[string][]byte{"0": float32Bytes([]float32{1, 2, 3, 4, 5, 6})}}
	tiny.tensors = []fakeTensor{
		{name: "module.linear.weight", class: "FloatStorage", key: "0", numel: 6, size: []int{2, 3}},
		{name: "layer1.0.shortcut.1.bias", class: "FloatStorage", key: "0", numel: 6, off: 1, size: []int{2, 2}, stride: []int{1, 2}},
		{name: "bn1.num_batches_tracked", class: "LongStorage", key: "1", numel: 1, size: []int{}},
	}
	tiny.storages["1"] = make([]byte, 8)
	f.Add(tiny.legacy())
	f.Add(tiny.zip(f, "t"))
	tiny.wrap = "state_dict"
	f.Add(tiny.legacy())
	f.Add(tiny.zip(f, "archive"))
	resnet := fromWeights(modeltest.RandomWeights(8, 2, true, 1))
	resnet.wrap = "model"
	f.Add(resnet.legacy())
	f.Add(overlapZip(f, 3, 1<<16)) // entries sharing one deflated stream
	// Longs past 2^31: they wrapped on the 32-bit boards.
	f.Add(longProtocol(f, resnet.legacy(), false))
	f.Add(longProtocol(f, resnet.legacy(), true))

	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ReadWeights(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "torchfile: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for name, tensor := range w {
			if len(tensor.Data) != tensor.Len() {
				t.Fatalf("%s: shape %v with %d values", name, tensor.Shape, len(tensor.Data))
			}
		}
		model.Build(AkamasterSpec, w)
	})
}
