package main

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The few-shot study's plots (fewshot.go runs it).

// plotHeldOut draws top-1 on the held-out class against k, one thin line per
// class and the mean in bold, and the other classes' mean top-1; k is on an
// even scale of its values (0, 1, 2, 5, ...), labelled.
func plotHeldOut(path string, r *fewshotReport) error {
	h := r.HeldOut
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Few-shot teaching, one class held out (%d test images, groups of %d, prior %.3g)", r.TestImages, r.Group, r.Prior)
	p.X.Label.Text = "examples taught (k)"
	p.Y.Label.Text = "top-1 (%)"
	p.Add(plotter.NewGrid())
	var ticks []plot.Tick
	pos := map[int]float64{}
	for i, k := range h.Ks {
		pos[k] = float64(i)
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: strconv.Itoa(k)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	per := map[int]plotter.XYs{}
	var order []int
	for _, row := range h.Rows {
		if _, ok := per[row.Class]; !ok {
			order = append(order, row.Class)
		}
		per[row.Class] = append(per[row.Class], plotter.XY{X: pos[row.K], Y: 100 * row.New.Rate()})
	}
	for _, y := range order {
		l, err := plotter.NewLine(per[y])
		if err != nil {
			return err
		}
		l.Color = color.RGBA{150, 170, 210, 255}
		l.Width = vg.Points(0.8)
		p.Add(l)
	}
	var mean, others plotter.XYs
	for _, s := range r.Summary {
		mean = append(mean, plotter.XY{X: pos[s.K], Y: 100 * s.New})
		others = append(others, plotter.XY{X: pos[s.K], Y: 100 * s.Others})
	}
	for _, s := range []struct {
		name string
		xy   plotter.XYs
		c    color.Color
	}{{"held-out class, mean over classes", mean, color.RGBA{20, 60, 170, 255}}, {"other classes, mean", others, color.RGBA{200, 60, 20, 255}}} {
		l, pts, err := plotter.NewLinePoints(s.xy)
		if err != nil {
			return err
		}
		l.Color, l.Width = s.c, vg.Points(2.5)
		pts.Color, pts.Shape = s.c, draw.CircleGlyph{}
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	if len(order) > 1 {
		thin, _ := plotter.NewLine(plotter.XYs{{}})
		thin.Color = color.RGBA{150, 170, 210, 255}
		p.Legend.Add("held-out class, each class", thin)
	}
	p.Y.Min, p.Y.Max = 0, 100
	// Left, below the other classes' line (about 80%): the held-out
	// class's lines start low at small k.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), vg.Points(-80)
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

// plotCamera draws top-1 on test frames against the frames taught per
// class, with the int8 network alone on the same frames for scale.
func plotCamera(path string, r *fewshotReport) error {
	c := r.Camera
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Teaching the board its camera (%d test frames, groups of %d)", c.Net.Total, r.Group)
	p.X.Label.Text = "frames taught per class"
	p.Y.Label.Text = "top-1 on test frames (%)"
	p.Add(plotter.NewGrid())
	var xy, net plotter.XYs
	for _, row := range c.Rows {
		xy = append(xy, plotter.XY{X: float64(row.K), Y: 100 * row.Top1.Rate()})
		net = append(net, plotter.XY{X: float64(row.K), Y: 100 * c.Net.Rate()})
	}
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	l.Color, l.Width = color.RGBA{20, 60, 170, 255}, vg.Points(2)
	pts.Color, pts.Shape = l.Color, draw.CircleGlyph{}
	n, err := plotter.NewLine(net)
	if err != nil {
		return err
	}
	n.Color, n.Dashes = color.RGBA{120, 120, 120, 255}, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l, pts, n)
	p.Legend.Add("bundle + taught frames (mixture)", l, pts)
	p.Legend.Add("int8 network alone", n)
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(-10), vg.Points(10)
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
