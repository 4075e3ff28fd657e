package vfs

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
)

// maxTornBytes bounds the garbage CrashKeepRandomPrefix writes after the
// kept prefix of a file's unsynced tail.
const maxTornBytes = 512

// Crash returns a new MemFS holding what a machine would find after losing
// power now: the durable entries of every directory reachable from the root
// through durable entries, each file with its synced bytes. In the result
// every entry and every byte is durable.
//
// m is not changed: it and the Files opened from it keep working on the
// pre-crash state and never affect the returned MemFS. A test simulates a
// crash by calling Crash, abandoning m (its Files may still be written to by
// goroutines that are shutting down) and reopening its storage on the result.
func (m *MemFS) Crash() *MemFS {
	return m.crash(func(node *memNode) []byte { return node.synced })
}

// CrashKeepRandomPrefix is Crash with a disk that wrote some of the unsynced
// bytes before the power went: a file whose current bytes extend its synced
// bytes keeps the synced bytes plus a random prefix of the unsynced tail, and
// in half the cases where part of the tail is dropped, that part begins with
// up to 512 bytes of garbage (zeros or random bytes) to model a torn write.
// A file whose current bytes do not extend its synced bytes (it was
// truncated since its last Sync) keeps its synced bytes. Directory entries
// follow Crash exactly.
//
// The result depends only on m and on the numbers drawn from rng.
func (m *MemFS) CrashKeepRandomPrefix(rng *rand.Rand) *MemFS {
	return m.crash(func(node *memNode) []byte {
		if !bytes.HasPrefix(node.data, node.synced) {
			return node.synced
		}
		tail := node.data[len(node.synced):]
		if len(tail) == 0 {
			return node.synced
		}
		keep := rng.IntN(len(tail) + 1)
		kept := append(bytes.Clone(node.synced), tail[:keep]...)
		if keep == len(tail) || rng.IntN(2) == 0 {
			return kept
		}
		garbage := make([]byte, 1+rng.IntN(min(len(tail)-keep, maxTornBytes)))
		if rng.IntN(2) == 0 {
			for i := range garbage {
				garbage[i] = byte(rng.Uint32())
			}
		}
		return append(kept, garbage...)
	})
}

// crash builds the post-crash MemFS, taking each file's contents from keep.
func (m *MemFS) crash(keep func(*memNode) []byte) *MemFS {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return &MemFS{root: crashDir(m.root, keep, make(map[*memNode]bool))}
}

// crashDir copies the durable tree below dir. Names are visited in sorted
// order so that keep draws its random numbers in a fixed order. onPath holds
// the directories being copied: renames that were synced in one directory and
// not in another can make the durable entries loop, and a directory that
// would contain itself is dropped.
func crashDir(dir *memNode, keep func(*memNode) []byte, onPath map[*memNode]bool) *memNode {
	onPath[dir] = true
	defer delete(onPath, dir)
	out := newDirNode()
	for _, name := range slices.Sorted(maps.Keys(dir.durable)) {
		child := dir.durable[name]
		var copied *memNode
		switch {
		case !child.isDir:
			data := bytes.Clone(keep(child))
			copied = &memNode{data: data, synced: data}
		case onPath[child]:
			continue
		default:
			copied = crashDir(child, keep, onPath)
		}
		out.children[name] = copied
		out.durable[name] = copied
	}
	return out
}
