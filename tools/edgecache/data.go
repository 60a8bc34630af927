package main

import (
	"fmt"
	"strings"

	"github.com/edgecache/edgecache/tools/dataset"
)

// openSet opens -data: a data set folder (split chosen by split), or a glob of
// loose files labelled in their names (e.g. 'samples/cifar100_*.png'). It
// checks the set's classes against the model's.
func openSet(data, split string, classes int) (*dataset.Set, error) {
	if data == "" {
		return nil, usagef("-data is required")
	}
	var set *dataset.Set
	var err error
	if strings.ContainsAny(data, "*?[") {
		set, err = dataset.OpenFiles(data)
	} else {
		set, err = dataset.Open(data, split)
	}
	if err != nil {
		return nil, err
	}
	if n := len(set.Classes()); n != 0 && n != classes {
		return nil, fmt.Errorf("%s has %d classes, the model predicts %d", data, n, classes)
	}
	for i := 0; i < set.Len(); i++ {
		if l := set.Label(i); l >= classes {
			return nil, fmt.Errorf("%s: label %d, the model predicts %d classes", set.Name(i), l, classes)
		}
	}
	return set, nil
}
