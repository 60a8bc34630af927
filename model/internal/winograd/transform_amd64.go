//go:build !noasm

package winograd

import "golang.org/x/sys/cpu"

// inputArgs is what inputAVX512 reads; transform_amd64.s names the offsets.
type inputArgs struct {
	v      *float32 // the block's first tile of this run of 16, position 0, channel 0
	pad    *float32 // the matching input value: row 2*ty0, column 2*tx0, channel 0
	in     int      // channels
	rows   int      // tile rows in the block
	mask   int      // lanes (tiles) in the run: (1 << n) - 1, n <= 16
	wq4    int      // bytes between padded rows
	plane4 int      // bytes between padded planes
	bp4    int      // bytes between channels in v
	pos4   int      // bytes between positions in v: VPos*4
	tw4    int      // bytes between tile rows in v: TW*4
	lanes  int      // tiles in the run, 1 to 16
}

// outputArgs is what outputAVX512 reads.
type outputArgs struct {
	dst    *float32 // output (2*ty0, 2*tx0) of channel 0
	m      *float32 // the block's tile (0, tx0), position 0, channel 0
	bias   *float32
	res    *float32 // nil, or laid out as dst
	out    int      // channels
	rows   int      // tile rows in the block
	tiles  int      // tile lane mask, as inputArgs.mask
	cols   int      // output column mask of the run: 32 bits, 2 per tile
	half   int      // 1: the block's last tile row has only its first output row
	floor  int      // float32 bits: 0 for ReLU, -Inf otherwise
	ow4    int      // bytes between output rows
	plane4 int      // bytes between output planes
	bp4    int      // bytes between channels in m
	pos4   int      // bytes between positions in m: MPos*4
	tw4    int      // bytes between tile rows in m
}

// inputAVX512 transforms runs of up to 16 tiles: for every channel and tile
// row of the block, the run that starts at the pointers in a.
//
//go:noescape
func inputAVX512(a *inputArgs)

// outputAVX512 is the output transform of one run of up to 16 tiles per
// channel and tile row.
//
//go:noescape
func outputAVX512(a *outputArgs)

var avx512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL // VL: ymm and xmm forms of Z16-Z31

// Accelerated reports whether the transforms run in assembly on this
// machine; where they do not, the direct convolution is the faster path.
func Accelerated() bool { return avx512 }

func input(v, pad []float32, g *Geometry, ty0, ty1 int) {
	if !avx512 {
		inputGeneric(v, pad, g, ty0, ty1)
		return
	}
	inputAVX512Go(v, pad, g, ty0, ty1)
}

func output(dst, m, bias, res []float32, relu bool, g *Geometry, ty0, ty1 int) {
	if !avx512 {
		outputGeneric(dst, m, bias, res, relu, g, ty0, ty1)
		return
	}
	outputAVX512Go(dst, m, bias, res, relu, g, ty0, ty1)
}

func inputAVX512Go(v, pad []float32, g *Geometry, ty0, ty1 int) {
	a := inputArgs{in: g.In, rows: ty1 - ty0, wq4: 4 * g.WQ, plane4: 4 * g.Plane,
		bp4: 4 * g.BP, pos4: 4 * g.VPos, tw4: 4 * g.TW}
	for tx0 := 0; tx0 < g.TW; tx0 += 16 {
		a.v, a.pad = &v[tx0], &pad[2*ty0*g.WQ+2*tx0]
		a.lanes = min(16, g.TW-tx0)
		a.mask = 1<<a.lanes - 1
		inputAVX512(&a)
	}
}

func outputAVX512Go(dst, m, bias, res []float32, relu bool, g *Geometry, ty0, ty1 int) {
	a := outputArgs{bias: &bias[0], out: g.Out, rows: ty1 - ty0, ow4: 4 * g.OW, plane4: 4 * g.OH * g.OW,
		bp4: 4 * g.BP, pos4: 4 * g.MPos, tw4: 4 * g.TW, floor: 0xff800000}
	if relu {
		a.floor = 0
	}
	if ty1 == g.TH && g.OH%2 == 1 {
		a.half = 1
	}
	for tx0 := 0; tx0 < g.TW; tx0 += 16 {
		at := 2*ty0*g.OW + 2*tx0
		a.dst, a.m = &dst[at], &m[tx0]
		if res != nil {
			a.res = &res[at]
		}
		a.tiles = 1<<min(16, g.TW-tx0) - 1
		a.cols = 1<<min(32, g.OW-2*tx0) - 1
		outputAVX512(&a)
	}
}
