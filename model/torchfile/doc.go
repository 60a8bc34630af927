// Package torchfile reads PyTorch checkpoints (torch.save files) into
// model.Weights, in pure Go, without Python.
//
// Both container formats torch.save has written are read (layouts from
// torch/serialization.py, torch 1.13):
//
//   - Legacy (torch < 1.6, or _use_new_zipfile_serialization=False): five
//     pickles back to back (the magic number 0x1950a86a20f9469cfc6c, the
//     protocol version 1001, a sys_info dict with the byte order, the object
//     itself, the sorted list of storage keys), then each storage in that order
//     as an int64 element count followed by the raw elements.
//   - Zip (torch >= 1.6): a zip (torch 1.13 stores every entry uncompressed;
//     deflated entries are read too) whose entries sit under one top folder
//     (named after the file by torch 1.13, "archive" by later versions):
//     <top>/data.pkl is the object and <top>/data/<key> the raw bytes of each
//     storage; <top>/byteorder, when present, says "little" or "big".
//
// In both, the object pickle names storages through persistent IDs,
// ('storage', torch.FloatStorage, key, location, numel[, view_metadata]), and
// tensors through torch._utils._rebuild_tensor(_v2)(storage, offset, size,
// stride, ...). The location (e.g. "cuda:0") is ignored: everything is loaded
// on the CPU. Tensors may start anywhere in their storage and have any
// strides; they are copied out contiguously. Float32, float64, float16 and
// bfloat16 storages become float32.
//
// Unpickling uses github.com/nlpodyssey/gopickle, after a scan of every pickle
// (scan.go) that checks each length against the bytes present and the shape
// of the pickle machine's stack, so that corrupt files return errors instead
// of reaching gopickle's unchecked paths.
//
// Checkpoints may be a bare state dict, or hold it under "state_dict" (as the
// akamaster CIFAR ResNets do), "model_state_dict" or "model". Names are made
// canonical (see package model): a "module." prefix (nn.DataParallel) is
// removed, "linear." becomes "fc.", and the nn.Sequential projection shortcut
// "layerS.B.shortcut.0" (1x1 conv) and ".shortcut.1" (its batch norm) become
// "layerS.B.shortcut" and "layerS.B.shortcut_bn". num_batches_tracked buffers
// are dropped; everything else goes to model.Build, which refuses tensors it
// does not know.
package torchfile
