package main

import (
	"fmt"
	"strings"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/tools/dataset"
	"github.com/edgecache/edgecache/tools/keys"
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

// eachTestSet collects the test split of each data set in dirs (an empty
// name is skipped) as queries keyed by spec, limit images of each spread
// over the classes (0: all), and hands them to fn one set at a time; tag
// names the work in the progress lines.
func eachTestSet(k *keyNet, dirs []string, spec cache.Spec, limit int, tag string, fn func(dir string, q *queries) error) error {
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		set, err := openSet(dir, "test", k.Classes())
		if err != nil {
			return err
		}
		idx := keys.Spread(set.Len(), limit) // all when the limit is 0 or over the set
		q, err := k.Collect(set, idx, spec, passOpts(tag+": test queries from "+dir, false))
		if err != nil {
			return err
		}
		if err := fn(dir, q); err != nil {
			return err
		}
	}
	return nil
}
