// Package hdf5 reads the subset of HDF5 that Keras (through h5py) writes:
// enough to load a model's weights and its JSON configuration, in pure Go.
//
// The layouts follow the HDF5 File Format Specification, version 3.0
// (https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html); each
// parser names the section it implements. Supported:
//
//   - superblock versions 0 to 3 (section II.A "Superblock");
//   - object headers version 1 and 2 with continuation blocks (IV.A.1);
//   - groups as symbol tables (v1 B-tree of type 0, local heap, symbol table
//     nodes) and as compact link messages;
//   - datasets with compact, contiguous and chunked layouts, chunks indexed by a
//     v1 B-tree (layout message 3) or a single chunk or implicit index
//     (layout message 4), with the deflate and shuffle filters;
//   - fixed-point and IEEE floating-point data of 16, 32 and 64 bits in either
//     byte order, fixed-length and variable-length strings (global heap);
//   - attribute messages versions 1 to 3, stored in the object header.
//
// Anything else (dense link or attribute storage in fractal heaps, other chunk
// indexes, shared messages, compound types, other filters, ...) is reported as
// an error that names what was found and where, never silently skipped. Every
// offset and length read from the file is checked against the file's size
// before use, so a truncated or corrupt file gives an error, not a panic.
//
// The reader is lazy: Open parses the superblock and the root group; other
// objects are parsed when a path reaches them, and data when it is asked for.
package hdf5
