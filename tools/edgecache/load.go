package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/keras"
	"github.com/edgecache/edgecache/model/onnx"
	"github.com/edgecache/edgecache/model/torchfile"
)

// loadModel imports a trained network by its file type. Keras models carry no
// input normalisation in the file; normPath names the file `edgecache norm`
// wrote for them.
func loadModel(path, normPath string) (*model.Net, error) {
	if path == "" {
		return nil, usagef("-model is required")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".th", ".pt", ".pth", ".tar", ".ckpt":
		return torchfile.Load(path, torchfile.AkamasterSpec)
	case ".onnx":
		return onnx.Load(path, onnx.DefaultSpec)
	case ".h5", ".hdf5", ".keras":
		if normPath == "" {
			return nil, usagef("%s is a Keras model: its per-pixel input normalisation is not in the file; make it once with `edgecache norm -data DIR -o FILE` and pass -norm FILE", path)
		}
		f, err := os.Open(normPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		norm, err := model.ReadNorm(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", normPath, err)
		}
		return keras.Load(path, norm)
	default:
		return nil, fmt.Errorf("%s: unknown model type %q (want .th/.pt/.pth PyTorch, .onnx, or .h5 Keras)", path, ext)
	}
}
