package onnx_test

import (
	"fmt"
	"log"

	"github.com/edgecache/edgecache/model/onnx"
)

func ExampleLoad() {
	// DefaultSpec holds the normalisation the file does not: the per-channel
	// mean and std of the ace-compiler and akamaster models.
	net, err := onnx.Load("testdata/resnet8_tiny.onnx", onnx.DefaultSpec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(net)
	fmt.Println(net.Spec.Labels[3])
	// Output:
	// ResNet8 (10 classes, shortcut A, symmetric padding)
	// cat
}
