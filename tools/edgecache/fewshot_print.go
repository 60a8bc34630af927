package main

import (
	"fmt"
	"io"
	"math"

	"github.com/edgecache/edgecache/tools/fewshot"
)

// The few-shot study's tables (fewshot.go runs it).

func fsPct(t fewshot.Top1) string { return fmt.Sprintf("%.1f", 100*t.Rate()) }

func printHeldOut(w io.Writer, r *fewshotReport) {
	h := r.HeldOut
	ref := h.Reference
	fmt.Fprintf(w, "Few-shot teaching: %s (%d cache items, %d bytes budget, theta %.4g, lambda %.4g), %d test images of %s; examples from the %s split, seed %d; taught items of up to %d examples, prior %.3g.\n\n",
		r.Bundle, r.Items, r.Budget, r.Theta, r.Lambda, r.TestImages, r.Data, r.TeachSplit, r.Seed, r.Group, r.Prior)
	fmt.Fprintf(w, "Reference, the bundle unmasked: top-1 %.2f%% (int8 network alone %.2f%%).\n\n", 100*ref.All.Rate(), 100*ref.Net.Rate())
	byClass := map[int][]fewshot.Row{}
	var order []int
	for _, row := range h.Rows {
		if _, ok := byClass[row.Class]; !ok {
			order = append(order, row.Class)
		}
		byClass[row.Class] = append(byClass[row.Class], row)
	}
	head := func(title string) {
		fmt.Fprintf(w, "%s\n\n| class | bundle |", title)
		for _, k := range h.Ks {
			fmt.Fprintf(w, " k=%d |", k)
		}
		fmt.Fprint(w, "\n| --- | ---: |")
		for range h.Ks {
			fmt.Fprint(w, " ---: |")
		}
		fmt.Fprintln(w)
	}
	head("Top-1 (%) on the held-out class's test images (bundle: the unmasked bundle on them; k=0: class masked and removed):")
	for _, y := range order {
		fmt.Fprintf(w, "| %s | %s |", byClass[y][0].Name, fsPct(ref.PerClass[y]))
		for _, row := range byClass[y] {
			fmt.Fprintf(w, " %s |", fsPct(row.New))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **mean** | |")
	for _, s := range r.Summary {
		fmt.Fprintf(w, " **%.1f** |", 100*s.New)
	}
	fmt.Fprint(w, "\n| mean, the cache alone | |")
	for _, s := range r.Summary {
		fmt.Fprintf(w, " %.1f |", 100*s.NewCache)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	head("Top-1 (%) on the other classes' test images (bundle: the unmasked bundle on them):")
	for _, y := range order {
		var other fewshot.Top1
		for c, t := range ref.PerClass {
			if c != y {
				other.Right += t.Right
				other.Total += t.Total
			}
		}
		fmt.Fprintf(w, "| %s | %.2f |", byClass[y][0].Name, 100*other.Rate())
		for _, row := range byClass[y] {
			fmt.Fprintf(w, " %.2f |", 100*row.Others.Rate())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **mean** | |")
	for _, s := range r.Summary {
		fmt.Fprintf(w, " **%.2f** |", 100*s.Others)
	}
	fmt.Fprintln(w)
	// The noise: the binomial standard error of a top-1 on the other
	// classes' images, at the k=0 rows' rate.
	var se float64
	var n int
	for _, row := range h.Rows {
		if row.K == 0 {
			se = max(se, row.Others.SE())
			n = row.Others.Total
		}
	}
	worst := fewshot.Summary{}
	for _, s := range r.Summary {
		if s.Drop > worst.Drop {
			worst = s
		}
	}
	verdict := "within"
	if worst.DropSE > 2 {
		verdict = "PAST"
	}
	// The paired view: images of the other classes that changed between
	// the k=0 row and the largest k of each class.
	var gained, lost int
	for _, row := range h.Rows {
		if row.K == h.Ks[len(h.Ks)-1] {
			gained += row.OthersGained
			lost += row.OthersLost
		}
	}
	fmt.Fprintf(w, "\nPaired, from k=0 to k=%d, summed over the held-out classes: %d of the other classes' test images became right and %d became wrong (net %+d; noise of the net, sqrt(gained+lost): %.0f).\n",
		h.Ks[len(h.Ks)-1], gained, lost, gained-lost, math.Sqrt(float64(gained+lost)))
	fmt.Fprintf(w, "\nNoise: the binomial standard error of a top-1 on the other classes' %d images is %.2f points (at most, over the k=0 rows). "+
		"The largest fall of the other classes' top-1 from their k=0 row is %.2f points (k=%d, %.1f standard errors): %s the noise (2 standard errors).\n",
		n, 100*se, 100*worst.Drop, worst.K, worst.DropSE, verdict)
}

func printCamera(w io.Writer, r *fewshotReport) {
	c := r.Camera
	fmt.Fprintf(w, "\nCamera domain: frames %s; top-1 on %d test frames (int8 network alone %.2f%%), teaching k frames of training images per class (all classes, nothing masked, budget %d bytes):\n\n",
		r.Frames, c.Net.Total, 100*c.Net.Rate(), r.Budget)
	fmt.Fprintln(w, "| k per class | taught | items | evicted | top-1 (%) | ± SE | frames gained / lost vs k=0 | paired z |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range c.Rows {
		z := 0.0
		if n := row.Gained + row.Lost; n > 0 {
			z = float64(row.Gained-row.Lost) / math.Sqrt(float64(n))
		}
		fmt.Fprintf(w, "| %d | %d | %d | %d | %.2f | %.2f | %d / %d | %.1f |\n", row.K, row.Taught, row.Items, row.Evicted,
			100*row.Top1.Rate(), 100*row.Top1.SE(), row.Gained, row.Lost, z)
	}
	fmt.Fprintln(w, "\n(paired z: (gained - lost) / sqrt(gained + lost), McNemar's statistic on the same test frames; |z| > 2 is past the noise.)")
}
