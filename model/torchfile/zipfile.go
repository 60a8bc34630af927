package torchfile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// maxPickle bounds data.pkl: a state dict's pickle is kilobytes to a few
// megabytes; the bound only keeps a crafted compressed entry from expanding
// without limit.
const maxPickle = 1 << 30

// openZip reads a zip-format torch.save file (torch >= 1.6; layout from
// caffe2/serialize/inline_container.h): <top>/data.pkl, <top>/data/<key> per
// storage, optionally <top>/byteorder. torch 1.13 names <top> after the file,
// later versions "archive", so any single folder is accepted.
func openZip(r io.ReaderAt, size int64) (*checkpoint, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Names are only looked up, never used as paths, so insecure ones are harmless.
		return nil, fmt.Errorf("zip archive: %w", err)
	}
	files := make(map[string]*zip.File, len(zr.File))
	top := ""
	for _, f := range zr.File {
		files[f.Name] = f
		if dir, ok := strings.CutSuffix(f.Name, "/data.pkl"); ok && dir != "" && !strings.Contains(dir, "/") {
			if top != "" && top != dir {
				return nil, fmt.Errorf("zip archive holds two checkpoints, %s/data.pkl and %s/data.pkl", top, dir)
			}
			top = dir
		}
	}
	if top == "" {
		return nil, fmt.Errorf("zip archive has no <folder>/data.pkl: not a torch.save checkpoint")
	}
	if files[top+"/constants.pkl"] != nil {
		return nil, fmt.Errorf("zip archive is TorchScript (torch.jit.save; has %s/constants.pkl), not a torch.save checkpoint", top)
	}

	ck := &checkpoint{storages: newStorageTable(), order: binary.LittleEndian}
	if f := files[top+"/byteorder"]; f != nil {
		b, err := readEntry(f, 16)
		if err != nil {
			return nil, err
		}
		switch string(b) {
		case "little":
		case "big":
			ck.order = binary.BigEndian
		default:
			return nil, fmt.Errorf("%s: byte order %q, want little or big", f.Name, truncate(string(b), 16))
		}
	}
	// Deflate expands at most 1032 times (zlib's technical notes, "Maximum
	// compression factor") and stored entries not at all, so the entries of
	// an archive of size bytes inflate to at most 1032*size bytes between
	// them, whatever the pickle and the directory claim. More means entries
	// that share their compressed bytes (a zip bomb): the budget refuses
	// them before they cost memory, as model/hdf5 bounds a dataset by its file.
	limit := 1032*min(size, math.MaxInt64/2048) + 1<<16
	budget := limit
	pkl, err := readEntry(files[top+"/data.pkl"], min(maxPickle, budget))
	if err != nil {
		return nil, err
	}
	budget -= int64(len(pkl))
	if ck.root, _, err = readPickle(bufio.NewReader(bytes.NewReader(pkl)), int64(len(pkl)), ck.storages); err != nil {
		return nil, fmt.Errorf("%s/data.pkl: %w", top, err)
	}
	ck.raw = func(st *storage) ([]byte, error) {
		name := top + "/data/" + st.key
		f := files[name]
		if f == nil {
			return nil, fmt.Errorf("storage %q: zip archive has no %s", st.key, name)
		}
		want := satMul(st.numel, int64(st.dtype.size))
		if f.UncompressedSize64 != uint64(want) || want > math.MaxInt {
			return nil, fmt.Errorf("storage %q: %s holds %d bytes, %d %s values need %d", st.key, name, f.UncompressedSize64, st.numel, st.dtype.name, want)
		}
		if want > budget {
			return nil, fmt.Errorf("storage %q: %s inflates to %d bytes, more than is left of the %d a %d-byte archive can hold (entries overlap?)",
				st.key, name, want, limit, size)
		}
		budget -= want
		b, err := readEntry(f, want)
		if err != nil {
			return nil, err
		}
		if int64(len(b)) != want {
			return nil, fmt.Errorf("storage %q: %s holds %d bytes, %d %s values need %d", st.key, name, len(b), st.numel, st.dtype.name, want)
		}
		return b, nil
	}
	return ck, nil
}

// readEntry reads a zip entry of at most limit bytes. Memory grows with the
// bytes actually read, never with the size the directory claims.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	limit = min(limit, math.MaxInt64-1)
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", f.Name, limit)
	}
	return b, nil
}
