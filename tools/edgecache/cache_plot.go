package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// accGrid is validation accuracy over a theta x lambda grid for plotter.HeatMap.
type accGrid struct {
	thetas, lambdas []float64
	acc             [][]float64 // [theta][lambda]
}

func (g accGrid) Dims() (c, r int)   { return len(g.thetas), len(g.lambdas) }
func (g accGrid) Z(c, r int) float64 { return 100 * g.acc[c][r] }
func (g accGrid) X(c int) float64    { return g.thetas[c] }
func (g accGrid) Y(r int) float64    { return g.lambdas[r] }

// writeHeatmap draws validation accuracy (%) over the grid, marking the best
// point, and saves it as PNG.
func writeHeatmap(path, title string, g accGrid, bestTheta, bestLambda float64) error {
	lo, hi := 100.0, 0.0
	for _, row := range g.acc {
		for _, v := range row {
			lo, hi = min(lo, 100*v), max(hi, 100*v)
		}
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s\nbest %.2f%% at theta %.4g, lambda %.4g (ring); colours %.2f%% (blue) to %.2f%% (red)",
		title, hi, bestTheta, bestLambda, lo, hi)
	p.X.Label.Text = "theta"
	p.Y.Label.Text = "lambda"
	h := plotter.NewHeatMap(g, pal.Palette(64))
	h.Min, h.Max = lo, hi
	p.Add(h)
	best, err := plotter.NewScatter(plotter.XYs{{X: bestTheta, Y: bestLambda}})
	if err != nil {
		return err
	}
	best.Color = color.Black
	best.Radius = vg.Points(4)
	p.Add(best)
	return p.Save(7*vg.Inch, 5.5*vg.Inch, path)
}

// series is one line of a line plot.
type series struct {
	name string
	xy   plotter.XYs
}

// writeLines saves a line plot with points as PNG.
func writeLines(path, title, xlabel, ylabel string, lines []series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	var args []any
	for _, s := range lines {
		args = append(args, s.name, s.xy)
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return err
	}
	p.Legend.Top = true
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
