package quant

import (
	"testing"

	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/torchfile"
)

// TestAkamasterAccuracy quantizes the published akamaster ResNets and
// compares float and int8 top-1 on the 1,000 lossless CIFAR-10 test images
// (minutes of CPU: skipped with -short).
func TestAkamasterAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data accuracy is slow; run without -short")
	}
	for _, f := range []string{"resnet20-12fca82f.th", "resnet32-d509ac18.th"} {
		t.Run(f, func(t *testing.T) {
			net, err := torchfile.Load(modeltest.File(t, "models/akamaster/"+f), torchfile.AkamasterSpec)
			if err != nil {
				t.Fatal(err)
			}
			checkAccuracy(t, net)
		})
	}
}
