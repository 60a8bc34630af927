//go:build (!amd64 && !arm64) || noasm

package kernel

// available: only the Go twin on this architecture or with the noasm tag.
var available = []*kernel{generic}
