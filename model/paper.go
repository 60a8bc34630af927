package model

import "fmt"

// PaperTaps returns the taps whose activations form the cache keys in A. E.
// Orhan, "A Simple Cache Model for Image Recognition" (NeurIPS 2018), so that
// "paper taps" mean the same layers for every CIFAR ResNet.
//
// The paper names Keras layer indices: ResNet32 82, 92, 103 (the output of
// stage-3 block 1, the inner ReLU of block 3, the output of block 4, counting
// blocks from 1) and ResNet20 49, 57, 64 (the inner ReLUs of blocks 1 to 3).
// model/keras's tests check these indices against the shipped files.
//
// Both choices follow one rule, used here for every depth: list the last
// stage's ReLU outputs in forward order (block 0 inner ReLU, block 0 output,
// block 1 inner ReLU, ...: 2k of them for k blocks), split the list into
// three equal parts and take the activation at the centre of each, position
// round((2j+1)k/3) counting from 1, for j = 0, 1, 2. ResNet20 (k = 3) gives
// positions 1, 3, 5 and ResNet32 (k = 5) 2, 5, 8, as in the paper; ResNet44
// gives layer3.0, layer3.3.relu, layer3.5 and ResNet56 layer3.1.relu,
// layer3.4.relu, layer3.7.relu.
func (n *Net) PaperTaps() ([]string, error) {
	k := len(n.Stages[2])
	if k < 2 {
		return nil, fmt.Errorf("model: %v: paper taps need at least 2 blocks per stage, found %d", n, k)
	}
	taps := make([]string, 3)
	for j := range taps {
		// round(m/3) for an integer m is (m+1)/3: m/3 never ends in .5.
		p := ((2*j+1)*k + 1) / 3
		block := (p - 1) / 2
		taps[j] = fmt.Sprintf("layer3.%d", block)
		if (p-1)%2 == 0 {
			taps[j] += ".relu"
		}
	}
	for _, t := range taps {
		if _, err := n.Tap(t); err != nil {
			return nil, err
		}
	}
	return taps, nil
}
