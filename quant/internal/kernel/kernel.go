package kernel

// maxTile bounds rows*cols of every kernel, for the scratch tile of ragged
// edges.
const maxTile = 16 * 16

// A kernel is one implementation of Gemm and the weight layout it reads.
type kernel struct {
	name string

	// Each call of tiles computes rows x cols tiles of c: rows weight rows
	// (output channels, one panel) against cols pixels.
	rows, cols int

	// Layout of the panels: depth in blocks of block elements of elem
	// bytes; with xorBias the kernel multiplies w by x^0x80 (x-128 as int8)
	// and adds corr = 128*sum(w) per row.
	block, elem int
	xorBias     bool

	// step is the depth the kernel's loop covers per iteration when more
	// than block (the last partial step is the one read through window).
	step int

	// window > 0: the last partial block is read as the window bytes
	// ending at Depth (so Depth must be at least window); 0: by masked load.
	window int

	// asm selects the assembly function (runTiles) that computes one panel
	// against groups of cols pixels of b: blocks whole blocks of depth, then
	// rem more values. 0 for the Go twin.
	asm int

	// rqAsm selects the assembly function (runRequantTiles) that computes
	// tiles and requantizes them into bytes (GemmRequant); 0 when the kernel
	// has none and GemmRequant goes through Gemm and the Go epilogue.
	rqAsm int
}

// fits reports whether the kernel can read depth values of a pixel without
// reading outside it.
func (k *kernel) fits(depth int) bool {
	return depth%k.stepSize() == 0 || depth >= k.window
}

// generic is the pure-Go twin, used where no assembly kernel runs: armv6
// (the Pi Zero and Pi 1), armv7 cores without NEON, other architectures, and
// the noasm build tag.
var generic = &kernel{name: "go"}

// best is the kernel PackWeights uses, picked once at start-up: the first of
// available, which lists this CPU's kernels fastest first, ending with generic.
var best = available[0]

func (k *kernel) stepSize() int { return max(k.block, k.step) }
