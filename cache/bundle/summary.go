package bundle

// Summary is the last line the board program prints with -json, after the
// frames' lines: what it classified, how well when the frames' names tell
// the truth (a replayed ImageFolder tree), and where a frame's time went.
// The board program writes it and the host tool's demo reads it, so the
// fields are defined once, here, beside the Classifier whose Results they
// sum.
type Summary struct {
	Summary  bool `json:"summary"` // always true: tells this line from a frame's
	Frames   int  `json:"frames"`
	Labelled int  `json:"labelled"` // frames whose true class was known
	// Top-1 accuracy over the labelled frames, of the network alone and
	// of the network mixed with the cache (nil: no labelled frame, or no
	// cache).
	Top1Net   *float64 `json:"top1_net,omitempty"`
	Top1Cache *float64 `json:"top1_cache,omitempty"`
	// Mean milliseconds per frame: the three classifying stages and their
	// sum (capture time depends on the camera and is in each frame's line).
	MsPreprocess float64 `json:"ms_preprocess"`
	MsNetwork    float64 `json:"ms_network"`
	MsCache      float64 `json:"ms_cache"`
	MsPerFrame   float64 `json:"ms_per_frame"`
	Seconds      float64 `json:"seconds"`
	BundleBytes  int64   `json:"bundle_bytes"`
	CacheBytes   int     `json:"cache_bytes,omitempty"` // the cache's board memory (cache.Cache.Bytes)
}
