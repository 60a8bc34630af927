package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/edgecache/edgecache/tools/robust"
)

func init() {
	register("jacobian", "input-output Jacobian (singular values, Frobenius norm) of the network, Cache3 and CacheOnly", runJacobian)
}

// jacobianRow is one model's mean Jacobian figures over the test points.
type jacobianRow struct {
	Model     string    `json:"model"`
	Frobenius float64   `json:"mean_frobenius"`
	Singular  []float64 `json:"mean_singular_values"`
}

func runJacobian(args []string, stdout io.Writer) error {
	fs := newFlags("jacobian", "-model M -data D [-cache C] [-quant Q -board-cache C4 | -bundle B] [-n 200] [-seed S] [-plot F.png] [-json]")
	rf := addRobustFlags(fs, 200)
	plotPath := fs.String("plot", "", "draw the mean singular-value spectra into this PNG")
	asJSON := fs.Bool("json", false, "print the table as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := rf.open()
	if err != nil {
		return err
	}
	base, err := robust.NewNetwork(s.net)
	if err != nil {
		return err
	}
	models := []robust.Differentiable{base}
	names := []string{"baseline"}
	for _, t := range s.targets {
		if t.Name == "board int8 + cache" {
			// The int8 network has no Jacobian: its float twin stands in.
			names = append(names, "board cache (float twin)")
		} else {
			names = append(names, t.Name)
		}
		models = append(models, t.Grad)
	}
	bar := newProgress(len(models)*len(s.images), "jacobian")
	rows := make([]jacobianRow, len(models))
	for k, m := range models {
		rows[k].Model = names[k]
		prev := 0
		js, err := robust.Jacobians(m, s.images, func(done int) {
			bar.add(done - prev)
			prev = done
		})
		if err != nil {
			return fmt.Errorf("jacobian of %s: %w", names[k], err)
		}
		for _, j := range js {
			rows[k].Frobenius += j.Frobenius / float64(len(s.images))
			if rows[k].Singular == nil {
				rows[k].Singular = make([]float64, len(j.Singular))
			}
			for i, v := range j.Singular {
				rows[k].Singular[i] += v / float64(len(s.images))
			}
		}
	}
	bar.done()
	if *plotPath != "" {
		if err := plotSpectra(*plotPath, rows, len(s.images)); err != nil {
			return err
		}
	}
	if *asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		return e.Encode(rows)
	}
	fmt.Fprintf(stdout, "Jacobian of the class probabilities w.r.t. the pixels ([0, 1]), mean over %d test images (seed %d)\n\n", len(s.images), *rf.seed)
	fmt.Fprint(stdout, "| model | mean Frobenius norm |")
	for i := range rows[0].Singular {
		fmt.Fprintf(stdout, " s%d |", i+1)
	}
	fmt.Fprint(stdout, "\n| --- | ---: |")
	for range rows[0].Singular {
		fmt.Fprint(stdout, " ---: |")
	}
	fmt.Fprintln(stdout)
	for _, r := range rows {
		fmt.Fprintf(stdout, "| %s | %.4g |", r.Model, r.Frobenius)
		for _, v := range r.Singular {
			fmt.Fprintf(stdout, " %.3g |", v)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// plotSpectra draws each model's mean singular values against their rank, on
// a log scale (the last is ~0 for every model: the probabilities sum to 1).
func plotSpectra(path string, rows []jacobianRow, n int) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Input-output Jacobian: mean singular values (%d test images)", n)
	p.X.Label.Text = "rank"
	p.Y.Label.Text = "singular value"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{}
	colors := []color.RGBA{{0, 0, 0, 255}, {214, 39, 40, 255}, {31, 119, 180, 255}, {44, 160, 44, 255}}
	for k, r := range rows {
		var pts plotter.XYs
		for i, v := range r.Singular[:len(r.Singular)-1] { // the last is numerically zero
			if v > 0 {
				pts = append(pts, plotter.XY{X: float64(i + 1), Y: v})
			}
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, s.Color = colors[k%len(colors)], colors[k%len(colors)]
		p.Add(l, s)
		p.Legend.Add(fmt.Sprintf("%s (Frobenius %.3g)", r.Model, r.Frobenius), l, s)
	}
	p.Legend.Top = true
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}
