package winograd

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/model/internal/gemm"
)

// Positions is the number of values in a transformed tile (4x4).
const Positions = 16

// blockTiles is how many tiles a block aims at: chunkTiles, what one pass
// of the product kernel covers.
const blockTiles = chunkTiles

// padSlack is how far past the last padded plane the AVX-512 input transform
// may read (it loads 34 columns from a block's first tile of a row and drops
// the lanes past the row's last tile); those values never reach an output.
const padSlack = 32

// Geometry is the layout of one input size of a layer.
//
// The padded input holds In planes of (2*TH+2) rows of WQ = 2*TW+2 values:
// pixel (y, x) of channel c at c*Plane + (y+Top)*WQ + x+Left, zeros
// elsewhere. Tile (ty, tx) reads rows 2ty..2ty+3 and columns 2tx..2tx+3, and
// covers outputs (2ty+i, 2tx+j); outputs past OH or OW are dropped.
type Geometry struct {
	In, Out   int // channels
	H, W      int // input size
	Top, Left int // zero padding before the image
	OH, OW    int // output size
	TH, TW    int // tiles down and across: ceil(OH/2), ceil(OW/2)
	WQ, Plane int // padded row and plane lengths
	// BlockRows is the number of tile rows per block and BP the length of
	// one (position, channel) row of a block's V or M: BlockRows*TW rounded
	// up to a vector (16).
	BlockRows, BP int
	// VPos and MPos are the distances between positions in V and M: In*BP
	// and Out*BP (Out rounded up to whole panels of gemm.MR) plus a skew of one cache line, so that the 16 positions of
	// a tile, which the transforms touch together, do not all fall in one
	// set of a set-associative cache when In*BP*4 is a multiple of 4 KiB
	// (stage 3 of a CIFAR ResNet: 64 channels x 16 tiles).
	VPos, MPos int
}

// skew is VPos's and MPos's extra length (64 bytes).
const skew = 16

// NewGeometry lays out an in x h x w input padded by top, left, bottom and
// right for a 3x3 stride-1 convolution with out output channels.
func NewGeometry(in, out, h, w, top, left, bottom, right int) (*Geometry, error) {
	if in < 1 || out < 1 || h < 1 || w < 1 || top < 0 || left < 0 || bottom < 0 || right < 0 {
		return nil, fmt.Errorf("winograd: %d -> %d channels of %dx%d padded %d,%d,%d,%d: want positive sizes and non-negative padding",
			in, out, h, w, top, left, bottom, right)
	}
	g := &Geometry{In: in, Out: out, H: h, W: w, Top: top, Left: left,
		OH: h + top + bottom - 2, OW: w + left + right - 2}
	if g.OH < 1 || g.OW < 1 {
		return nil, fmt.Errorf("winograd: %dx%d input padded %d,%d,%d,%d gives no 3x3 output", h, w, top, left, bottom, right)
	}
	g.TH, g.TW = (g.OH+1)/2, (g.OW+1)/2
	g.WQ = 2*g.TW + 2
	// Sizes are checked in 64 bits: on the 32-bit boards int is 32 bits
	// and must hold every index of the buffers.
	plane := int64(2*g.TH+2) * int64(g.WQ)
	g.BlockRows = max(1, min(g.TH, blockTiles/g.TW))
	bp := (int64(g.BlockRows)*int64(g.TW) + lanes - 1) / lanes * lanes
	outRows := (int64(out) + gemm.MR - 1) / gemm.MR * gemm.MR
	for _, n := range []int64{int64(in)*plane + padSlack, Positions * (int64(in)*bp + skew), Positions * (outRows*bp + skew),
		int64(out) * int64(g.OH) * int64(g.OW)} {
		if n > math.MaxInt32 {
			return nil, fmt.Errorf("winograd: %d -> %d channels of %dx%d need %d values in one buffer, more than %d",
				in, out, h, w, n, math.MaxInt32)
		}
	}
	g.Plane, g.BP = int(plane), int(bp)
	g.VPos, g.MPos = in*g.BP+skew, int(outRows)*g.BP+skew
	return g, nil
}

// PadLen is the length of the padded input, slack included.
func (g *Geometry) PadLen() int { return g.In*g.Plane + padSlack }

// VLen and MLen are the lengths of one block's transformed input and product.
func (g *Geometry) VLen() int { return Positions * g.VPos }
func (g *Geometry) MLen() int { return Positions * g.MPos }

// InLen and OutLen are the lengths of one image's input and output.
func (g *Geometry) InLen() int  { return g.In * g.H * g.W }
func (g *Geometry) OutLen() int { return g.Out * g.OH * g.OW }
