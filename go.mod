module github.com/edgecache/edgecache

go 1.26
