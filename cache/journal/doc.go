// Package journal is the board's log of taught examples: every example a user
// teaches at run time (a key, its class and class name, a weight, a time) is
// appended to a file beside the bundle, so a restart or a power cut loses
// none of them. At start the board replays the log into its cache.
//
// The file (all integers little-endian):
//
//	header   52 bytes
//	  magic    8 bytes "EDGETLOG"
//	  version  uint32 (Version)
//	  dim      uint32 key length, 1 to MaxDim
//	  bundle   32 bytes the bundle's identity (an opaque ID the caller
//	           passes, e.g. the bundle file's SHA-256)
//	  crc      uint32 CRC-32C (Castagnoli) of the 48 bytes before it
//	records, back to back, each:
//	  length   uint32 payload bytes (recordFixed+1+2*dim to recordFixed+MaxName+2*dim)
//	  crc      uint32 CRC-32C of the length's 4 bytes and the payload
//	  payload:
//	    class    uint16 class index in the cache
//	    weight   uint16 1 to cache.MaxWeight
//	    time     int64  Unix nanoseconds (0: unknown)
//	    nameLen  uint8  1 to MaxName
//	    name     nameLen bytes, UTF-8: the class name, so a class the
//	             network never had survives a restart
//	    key      dim uint16, fp16 bit patterns (what the cache stores)
//
// Crash safety. A record is written with one write call at the end of the
// last whole record and, by default, fsynced before Append returns (see
// SyncPolicy). A crash can therefore leave at most a torn record at the
// end. Reading stops at the first record that is short, whose length is out
// of bounds, whose checksum fails or whose fields are invalid; Open truncates
// the file there, so later appends never follow garbage, and reports how
// many bytes it dropped and why. The checksum covers the length, so a
// corrupt length cannot pass as a shorter record. Every record before the
// damage is kept; nothing after it is trusted.
//
// Compaction writes the live records to a new file, fsyncs it, renames it
// over the log and fsyncs the directory: a crash at any point leaves either
// the old log or the new one whole.
//
// A log belongs to one bundle: Open refuses a log whose header names another
// bundle (ErrForeign) or another key length, rather than mixing examples
// taught to one network into another's cache.
//
// One process writes a log at a time; Log is safe for concurrent use within
// that process.
package journal
