package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/quant"
)

func init() {
	register("bundle", "write the board's one deployable file (int8 model + cache + settings), or describe one with -info", runBundle)
}

func runBundle(args []string, stdout io.Writer) error {
	fs := newFlags("bundle", "-quant F.eq8 [-cache F.cache] [-name NAME] [-roi center] [-full-decode] -o F.bundle | -info F.bundle")
	qPath := fs.String("quant", "", "int8 model (from edgecache quantize)")
	cPath := fs.String("cache", "", "tuned cache (from edgecache cache build or cache fit); without it the network decides alone")
	name := fs.String("name", "", "a name for the deployment (default: the output file's name)")
	roi := fs.String("roi", bundle.DefaultPreprocess.ROI, "region of each frame the network sees: center (the centred largest square), full, or X,Y,W,H (fractions with a decimal point, or pixels)")
	fullDecode := fs.Bool("full-decode", false, "decode JPEG frames at full size (image/jpeg) instead of at the reduced scale the region allows (device/frame: ~2.5x faster on 320x240, top-1 within 0.3 points)")
	classes := fs.String("classes", "", "comma-separated class names (default: the model's labels)")
	out := fs.String("o", "", "bundle file to write")
	teach := cache.DefaultLearnOpts
	fs.IntVar(&teach.Group, "teach-group", 0, "examples one taught item summarises on the board: 1 for a cache of raw training keys, more for a cache of prototypes (0: from the cache's recipe file: "+fmt.Sprint(teach.Group)+" for k-means prototypes, else 1; cache.LearnOpts)")
	fs.Float64Var(&teach.Prior, "teach-prior", teach.Prior, "weight of a class taught on the board that the bundle lacks, as a share of a bundle class's (0 to 1)")
	info := fs.String("info", "", "describe this bundle and check it, instead of writing one")
	asJSON := fs.Bool("json", false, "with -info: print the bundle's description as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *info != "" {
		b, err := bundle.ReadFile(*info)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(bundleInfo(b))
		}
		return b.Describe(stdout)
	}
	if *qPath == "" || *out == "" {
		return usagef("-quant and -o are required (or -info FILE)")
	}
	m, err := quant.ReadFile(*qPath)
	if err != nil {
		return err
	}
	b := &bundle.Bundle{Model: m, Meta: bundle.Meta{
		Name:       *name,
		Classes:    m.Labels,
		Preprocess: bundle.Preprocess{ROI: *roi, Size: bundle.DefaultPreprocess.Size, FullDecode: *fullDecode},
		Created:    time.Now().UTC().Truncate(time.Second),
		Source:     map[string]string{"model": filepath.Base(*qPath), "tool": toolVersion()},
	}}
	if b.Meta.Name == "" {
		b.Meta.Name = strings.TrimSuffix(filepath.Base(*out), filepath.Ext(*out))
	}
	if *classes != "" {
		b.Meta.Classes = strings.Split(*classes, ",")
	}
	if len(b.Meta.Classes) == 0 {
		return usagef("the model carries no class names: give -classes a,b,c")
	}
	if *cPath != "" {
		if b.Cache, err = cache.ReadFile(*cPath); err != nil {
			return err
		}
		b.Meta.Source["cache"] = filepath.Base(*cPath)
		recipe, err := os.ReadFile(*cPath + ".json")
		if err == nil {
			// The cache's provenance (tuning or fit), written beside it,
			// on one line.
			var line bytes.Buffer
			if json.Compact(&line, recipe) == nil {
				b.Meta.Source["cache_recipe"] = line.String()
			}
		}
		if teach.Group == 0 {
			teach.Group = teachGroup(recipe)
		}
	}
	if b.Cache != nil {
		if err := teach.Validate(); err != nil {
			return usagef("%v", err)
		}
		b.Meta.Teach = &teach
	}
	if err := b.WriteFile(*out); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d bytes, id %x\n", *out, st.Size(), b.ID[:8])
	b.Sections = nil
	return b.Describe(stdout)
}

// infoJSON is `bundle -info -json`.
type infoJSON struct {
	Name        string            `json:"name"`
	ID          string            `json:"id"`
	Bytes       uint64            `json:"bytes"`
	Classes     []string          `json:"classes"`
	Preprocess  bundle.Preprocess `json:"preprocess"`
	Depth       int               `json:"depth"`
	CacheItems  int               `json:"cache_items,omitempty"`
	CacheDim    int               `json:"cache_dim,omitempty"`
	CacheBytes  int               `json:"cache_bytes,omitempty"`
	Theta       float32           `json:"theta,omitempty"`
	Lambda      float32           `json:"lambda,omitempty"`
	CacheSpec   string            `json:"cache_spec,omitempty"`
	SectionSize map[string]uint64 `json:"sections"`
}

func bundleInfo(b *bundle.Bundle) infoJSON {
	j := infoJSON{Name: b.Meta.Name, ID: fmt.Sprintf("%x", b.ID), Classes: b.Meta.Classes, Preprocess: b.Meta.Preprocess,
		Depth: b.Model.Depth, SectionSize: map[string]uint64{}}
	for _, s := range b.Sections {
		j.SectionSize[s.Tag] = s.Length
		j.Bytes = max(j.Bytes, s.Offset+s.Length)
	}
	if c := b.Cache; c != nil {
		j.CacheItems, j.CacheDim, j.CacheBytes = c.Len(), c.Dim(), c.Bytes()
		j.Theta, j.Lambda, j.CacheSpec = c.Theta, c.Lambda, c.Spec().String()
	}
	return j
}

// toolVersion is the module version and VCS revision this binary was built
// from, as far as the build recorded them.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "edgecache (unknown build)"
	}
	v := "edgecache " + bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// teachGroup is the teach group that suits a cache, from its recipe file
// (nil: none): a taught item should stand for as many examples as the
// cache's own items stand for training keys. Prototypes (cache board, or
// cache fit's kmeans and wkmeans) stand for about 20: the default group,
// measured on the demo bundle (docs/results/fewshot.md); a cache of raw
// training keys (cache build, or fit's all and subset) wants 1. Without a
// recipe (or with one that does not parse) the default stands.
func teachGroup(recipe []byte) int {
	var r struct {
		Entries host.Entries `json:"entries"`
	}
	if recipe == nil || json.Unmarshal(recipe, &r) != nil || r.Entries.Clustered() {
		return cache.DefaultLearnOpts.Group
	}
	return 1
}
