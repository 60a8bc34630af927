package quant

import (
	"fmt"

	"github.com/edgecache/edgecache/model"
)

// Candidates are the observers Choose tries by default: exact min/max and
// two percentile clips. On the akamaster ResNets none wins everywhere.
var Candidates = []Observer{MinMax, {Percentile: 99.99}, {Percentile: 99.9}}

// Choice is one observer's result on the validation images.
type Choice struct {
	Observer Observer
	Model    *Model
	Top1     float64 // fraction of validation images classified correctly
}

// Choose quantizes net with each observer (Candidates when none are given),
// scores each model's top-1 on validation images (pixels as Run takes them,
// labels one per image) and returns every result with the index of the best;
// ties go to the earlier observer.
func Choose(net *model.Net, cal *Calibration, pixels []float32, labels []int, observers ...Observer) ([]Choice, int, error) {
	if len(observers) == 0 {
		observers = Candidates
	}
	if len(labels) == 0 || len(pixels) != len(labels)*model.InputLen {
		return nil, 0, fmt.Errorf("quant: %d validation values for %d labels, want %d per image", len(pixels), len(labels), model.InputLen)
	}
	const batch = 32
	choices := make([]Choice, 0, len(observers))
	best := 0
	for i, obs := range observers {
		m, err := Quantize(net, cal, obs)
		if err != nil {
			return nil, 0, fmt.Errorf("%w (observer %v)", err, obs)
		}
		r, err := m.NewRunner(batch)
		if err != nil {
			return nil, 0, err
		}
		correct := 0
		for start := 0; start < len(labels); start += batch {
			n := min(batch, len(labels)-start)
			logits, err := r.Run(pixels[start*model.InputLen:(start+n)*model.InputLen], n)
			if err != nil {
				return nil, 0, err
			}
			for j := range n {
				row := logits[j*m.Classes : (j+1)*m.Classes]
				arg := 0
				for k, v := range row {
					if v > row[arg] {
						arg = k
					}
				}
				if arg == labels[start+j] {
					correct++
				}
			}
		}
		choices = append(choices, Choice{obs, m, float64(correct) / float64(len(labels))})
		if choices[i].Top1 > choices[best].Top1 {
			best = i
		}
	}
	return choices, best, nil
}
