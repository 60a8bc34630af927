package kernel

import (
	"fmt"
	"unsafe"
)

// Weights is an M x Depth int8 matrix, kept in the layout the kernel chosen
// for this CPU streams fastest.
type Weights struct {
	M, Depth int
	rows     []int8 // M x Depth, row-major: what the reference and the Go twin read
	kern     *kernel

	// Panels for the assembly kernels (nil for the Go twin): rows in groups
	// of kern.rows, each group stored block by block, a block being
	// kern.rows rows of kern.block elements of depth, zero beyond Depth and
	// beyond M, so a kernel reads each panel front to back exactly once per
	// group of pixels.
	panels []byte
	corr   []int32  // per row, what the kernel adds to its sums (kernel-specific)
	shuf   [16]byte // byte shuffle that aligns the last partial block (kernel-specific)
}

// PackWeights copies a (M rows of depth values, row-major) into the kernels'
// layout. Values must be in -127..127 (symmetric int8, as TFLite).
func PackWeights(m, depth int, a []int8) (*Weights, error) {
	return packWeights(best, m, depth, a)
}

func packWeights(k *kernel, m, depth int, a []int8) (*Weights, error) {
	if m < 1 || depth < 1 || depth > len(a)/m {
		return nil, fmt.Errorf("kernel: %d weights for a %dx%d matrix", len(a), m, depth)
	}
	for i, v := range a[:m*depth] {
		if v == -128 {
			return nil, fmt.Errorf("kernel: weight %d is -128; symmetric int8 weights are -127..127", i)
		}
	}
	w := &Weights{M: m, Depth: depth, rows: append([]int8(nil), a[:m*depth]...), kern: k}
	if k.asm != 0 && !k.fits(depth) {
		w.kern = generic
	}
	if w.kern.asm != 0 {
		w.pack()
	}
	return w, nil
}

// Gemm computes c[i*ldc+j] = sum_k W[i][k] * b[j*ldb+k] for i < M, j < n.
// b holds n rows of at least Depth bytes, ldb apart; c M rows of at least n
// values, ldc apart. Nothing else in b or c is read or written. Slices too
// short for that, or rows of c that overlap, are a programming error and
// panic, as an out-of-range index would. Gemm may run concurrently on the
// same Weights.
func (w *Weights) Gemm(n int, b []uint8, ldb int, c []int32, ldc int) {
	if n <= 0 {
		return
	}
	// Divisions, not products, so huge strides cannot overflow past the check.
	if ldb < 0 || len(b) < w.Depth || (n > 1 && ldb > (len(b)-w.Depth)/(n-1)) {
		panic(fmt.Sprintf("kernel: b holds %d bytes, not %d rows of %d bytes %d apart", len(b), n, w.Depth, ldb))
	}
	if len(c) < n || (w.M > 1 && (ldc < n || ldc > (len(c)-n)/(w.M-1))) {
		panic(fmt.Sprintf("kernel: c holds %d values, not %d rows of %d values %d apart", len(c), w.M, n, ldc))
	}
	if w.kern.asm == 0 {
		gemmGeneric(w.M, w.Depth, w.rows, n, b, ldb, c, ldc)
		return
	}
	w.gemmTiles(n, b, ldb, c, ldc)
}

// PackWeightsWith is PackWeights for the named kernel (one of Kernels), for
// benchmarks and tools comparing kernels on one machine.
func PackWeightsWith(kernel string, m, depth int, a []int8) (*Weights, error) {
	for _, k := range available {
		if k.name == kernel {
			return packWeights(k, m, depth, a)
		}
	}
	return nil, fmt.Errorf("kernel: no kernel %q on this CPU (have %v)", kernel, Kernels())
}

// Kernels names the kernels this CPU runs, fastest first; the last is the Go
// twin, "go".
func Kernels() []string {
	var names []string
	for _, k := range available {
		names = append(names, k.name)
	}
	return names
}

// Kernel is the name of the kernel these weights were packed for, for
// benchmarks and logs ("vnni", "avx2", "dot", "neon" or "go").
func (w *Weights) Kernel() string { return w.kern.name }

// BestKernel names the kernel PackWeights picks on this CPU.
func BestKernel() string { return best.name }

// pack lays the rows out in panels (see Weights.panels).
func (w *Weights) pack() {
	k := w.kern
	blocks := (w.Depth + k.block - 1) / k.block
	npanel := (w.M + k.rows - 1) / k.rows
	panelBytes := k.rows * blocks * k.block * k.elem
	// 64-byte alignment keeps every block load inside one cache line.
	raw := make([]byte, npanel*panelBytes+63)
	off := int((64 - uintptr(unsafe.Pointer(&raw[0]))%64) % 64)
	w.panels = raw[off : off+npanel*panelBytes]
	w.corr = make([]int32, npanel*k.rows)
	for i := 0; i < w.M; i++ {
		p, r := i/k.rows, i%k.rows
		var sum int32
		for kk, v := range w.rows[i*w.Depth : (i+1)*w.Depth] {
			q, e := kk/k.block, kk%k.block
			at := p*panelBytes + ((q*k.rows+r)*k.block+e)*k.elem
			switch k.elem {
			case 1:
				w.panels[at] = byte(v)
			case 2: // int16, little endian
				w.panels[at] = byte(v)
				w.panels[at+1] = byte(int16(v) >> 8)
			}
			sum += int32(v)
		}
		if k.xorBias {
			w.corr[i] = 128 * sum
		}
	}
	// The last partial block is read as the block-sized window ending at
	// Depth, so its rem new bytes sit at the window's top; shuf[t] moves
	// byte 16-rem+t down to t and zeroes the rest (0xFF is out of range for
	// both PSHUFB, which zeroes on bit 7, and TBL, which zeroes on >= 16).
	rem := w.Depth % k.stepSize()
	for t := range w.shuf {
		w.shuf[t] = 0xFF
		if t < rem {
			w.shuf[t] = byte(16 - rem + t)
		}
	}
}

// chunkBytes is how much of b one pass over the panels covers: half of a
// 32 KiB L1 data cache (Zen 4, Cortex-A72 and A76 all have 32 KiB or more;
// the A72's is 32 KiB per its TRM), leaving room for a panel.
var chunkBytes = 16 << 10

// gemmTiles runs the assembly kernel on whole panels and whole groups of
// k.cols pixels, and the ragged edges through small scratch tiles, so the
// kernels never see a partial tile and never touch memory outside b and c.
func (w *Weights) gemmTiles(n int, b []uint8, ldb int, c []int32, ldc int) {
	k := w.kern
	blocks, rem := w.Depth/k.block, w.Depth%k.block
	rows, cols := k.rows, k.cols
	npanel := (w.M + rows - 1) / rows
	panelBytes := len(w.panels) / npanel
	full := w.M / rows
	groups := n / cols
	var shuf *byte = &w.shuf[0]

	// Pixels in chunks of about chunkBytes of b, every panel per chunk: the
	// chunk stays in L1 while the panels stream past it, instead of all of
	// b coming from L2 once per panel.
	step := max(1, chunkBytes/(cols*max(ldb, w.Depth)))
	for q := 0; q < groups; q += step {
		nq := min(step, groups-q)
		for p := 0; p < full; p++ {
			runTiles(k.asm, &w.panels[p*panelBytes], &w.corr[p*rows], blocks, rem, shuf,
				&b[q*cols*ldb], ldb, nq, &c[p*rows*ldc+q*cols], ldc)
		}
	}
	if full == npanel && groups*cols == n {
		return
	}

	// Ragged edges: a partial panel (rows of c past M must not be written)
	// and the last n%cols pixels (rows of b past n must not be read).
	var tile [maxTile]int32
	var xsBuf [4096]uint8 // on the stack while cols*Depth fits: Depth 256 for vnni, 1024 for the others
	var xs []uint8
	for j := 0; j < n; j += cols {
		nc := min(cols, n-j)
		src, lds := b[j*ldb:], ldb
		if nc < cols {
			if xs == nil {
				if cols*w.Depth <= len(xsBuf) {
					xs = xsBuf[:cols*w.Depth]
				} else {
					xs = make([]uint8, cols*w.Depth)
				}
			}
			for t := 0; t < nc; t++ {
				copy(xs[t*w.Depth:(t+1)*w.Depth], b[(j+t)*ldb:])
			}
			src, lds = xs, w.Depth
		}
		p0 := full
		if nc < cols {
			p0 = 0
		}
		for p := p0; p < npanel; p++ {
			runTiles(k.asm, &w.panels[p*panelBytes], &w.corr[p*rows], blocks, rem, shuf,
				&src[0], lds, 1, &tile[0], cols)
			for r := 0; r < rows && p*rows+r < w.M; r++ {
				copy(c[(p*rows+r)*ldc+j:][:nc], tile[r*cols:][:nc])
			}
		}
	}
}
