package vfs

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"path"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// memTree returns every file and directory of m: files by path with their
// contents, directories by path with a trailing slash and no contents.
func memTree(t *testing.T, m *MemFS) map[string]string {
	t.Helper()
	tree := make(map[string]string)
	var walk func(dir string)
	walk = func(dir string) {
		names, err := m.List(dir)
		require.NoError(t, err)
		for _, name := range names {
			child := path.Join(dir, name)
			if _, err := m.List(child); err == nil {
				tree[child+"/"] = ""
				walk(child)
				continue
			}
			tree[child] = readFile(t, m, child)
		}
	}
	walk("/")
	return tree
}

// create creates name in m with contents, syncing it if sync is set.
func create(t *testing.T, m *MemFS, name, contents string, sync bool) {
	t.Helper()
	f, err := m.Create(name)
	require.NoError(t, err)
	_, err = f.Write([]byte(contents))
	require.NoError(t, err)
	if sync {
		require.NoError(t, f.Sync())
	}
	require.NoError(t, f.Close())
}

// appendTo appends contents to name in m, syncing it if sync is set.
func appendTo(t *testing.T, m *MemFS, name, contents string, sync bool) {
	t.Helper()
	f, err := m.OpenAppend(name)
	require.NoError(t, err)
	_, err = f.Write([]byte(contents))
	require.NoError(t, err)
	if sync {
		require.NoError(t, f.Sync())
	}
	require.NoError(t, f.Close())
}

func TestMemFSPathsAreCleaned(t *testing.T) {
	m := NewMem()
	require.NoError(t, m.MkdirAll("a/b", 0o755))
	create(t, m, "/a/./b/../b//f", "x", false)
	for _, name := range []string{"a/b/f", "/a/b/f", "/../a/b/f", "a/c/../b/f"} {
		size, err := m.Stat(name)
		require.NoError(t, err, name)
		require.EqualValues(t, 1, size, name)
	}
	names, err := m.List("")
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, names)
}

func TestMemFSCrash(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, m *MemFS)
		want  map[string]string
	}{
		{
			name:  "file synced, directory never synced",
			setup: func(t *testing.T, m *MemFS) { create(t, m, "/d/f", "data", true) },
			want:  map[string]string{"/d/": ""},
		},
		{
			name: "unsynced contents are lost",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "data", false)
				require.NoError(t, m.SyncDir("/d"))
			},
			want: map[string]string{"/d/": "", "/d/f": ""},
		},
		{
			name: "synced contents are kept, the unsynced tail is lost",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "synced", true)
				require.NoError(t, m.SyncDir("/d"))
				appendTo(t, m, "/d/f", "+unsynced", false)
			},
			want: map[string]string{"/d/": "", "/d/f": "synced"},
		},
		{
			name: "synced file in an unsynced directory is lost",
			setup: func(t *testing.T, m *MemFS) {
				require.NoError(t, m.SyncDir("/d"))
				create(t, m, "/d/f", "data", true)
			},
			want: map[string]string{"/d/": ""},
		},
		{
			name: "directory synced before the file is written",
			setup: func(t *testing.T, m *MemFS) {
				f, err := m.Create("/d/f")
				require.NoError(t, err)
				require.NoError(t, m.SyncDir("/d"))
				_, err = f.Write([]byte("data"))
				require.NoError(t, err)
				require.NoError(t, f.Sync())
			},
			want: map[string]string{"/d/": "", "/d/f": "data"},
		},
		{
			name: "unsynced mkdir loses the subtree",
			setup: func(t *testing.T, m *MemFS) {
				require.NoError(t, m.MkdirAll("/d/sub", 0o755))
				create(t, m, "/d/sub/f", "data", true)
				require.NoError(t, m.SyncDir("/d/sub"))
			},
			want: map[string]string{"/d/": ""},
		},
		{
			name: "rename is not durable until SyncDir",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/old", "data", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Rename("/d/old", "/d/new"))
			},
			want: map[string]string{"/d/": "", "/d/old": "data"},
		},
		{
			name: "rename is durable after SyncDir",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/old", "data", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Rename("/d/old", "/d/new"))
				require.NoError(t, m.SyncDir("/d"))
			},
			want: map[string]string{"/d/": "", "/d/new": "data"},
		},
		{
			name: "sync after an unsynced rename reaches the old name",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/old", "one", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Rename("/d/old", "/d/new"))
				appendTo(t, m, "/d/new", "+two", true)
			},
			want: map[string]string{"/d/": "", "/d/old": "one+two"},
		},
		{
			name: "rename across directories synced only at the target",
			setup: func(t *testing.T, m *MemFS) {
				require.NoError(t, m.MkdirAll("/d/sub", 0o755))
				create(t, m, "/d/f", "data", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Rename("/d/f", "/d/sub/f"))
				require.NoError(t, m.SyncDir("/d/sub"))
			},
			want: map[string]string{"/d/": "", "/d/f": "data", "/d/sub/": "", "/d/sub/f": "data"},
		},
		{
			name: "atomic replace without SyncDir keeps the old version",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/index", "v1", true)
				require.NoError(t, m.SyncDir("/d"))
				create(t, m, "/d/index.tmp", "v2", true)
				require.NoError(t, m.Rename("/d/index.tmp", "/d/index"))
			},
			want: map[string]string{"/d/": "", "/d/index": "v1"},
		},
		{
			name: "atomic replace with SyncDir keeps the new version",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/index", "v1", true)
				require.NoError(t, m.SyncDir("/d"))
				create(t, m, "/d/index.tmp", "v2", true)
				require.NoError(t, m.Rename("/d/index.tmp", "/d/index"))
				require.NoError(t, m.SyncDir("/d"))
			},
			want: map[string]string{"/d/": "", "/d/index": "v2"},
		},
		{
			name: "removal is not durable until SyncDir",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "data", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Remove("/d/f"))
			},
			want: map[string]string{"/d/": "", "/d/f": "data"},
		},
		{
			name: "removal is durable after SyncDir",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "data", true)
				require.NoError(t, m.SyncDir("/d"))
				require.NoError(t, m.Remove("/d/f"))
				require.NoError(t, m.SyncDir("/d"))
			},
			want: map[string]string{"/d/": ""},
		},
		{
			name: "unsynced truncate is lost",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "data+torn", true)
				require.NoError(t, m.SyncDir("/d"))
				f, err := m.OpenAppend("/d/f")
				require.NoError(t, err)
				require.NoError(t, f.Truncate(4))
				_, err = f.Write([]byte("+more"))
				require.NoError(t, err)
			},
			want: map[string]string{"/d/": "", "/d/f": "data+torn"},
		},
		{
			name: "synced truncate is kept",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "data+torn", true)
				require.NoError(t, m.SyncDir("/d"))
				f, err := m.OpenAppend("/d/f")
				require.NoError(t, err)
				require.NoError(t, f.Truncate(4))
				require.NoError(t, f.Sync())
				_, err = f.Write([]byte("+more"))
				require.NoError(t, err)
			},
			want: map[string]string{"/d/": "", "/d/f": "data"},
		},
		{
			name: "unsynced Create over a file keeps the old contents",
			setup: func(t *testing.T, m *MemFS) {
				create(t, m, "/d/f", "old", true)
				require.NoError(t, m.SyncDir("/d"))
				create(t, m, "/d/f", "new", false)
			},
			want: map[string]string{"/d/": "", "/d/f": "old"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMem()
			require.NoError(t, m.MkdirAll("/d", 0o755))
			require.NoError(t, m.SyncDir("/"))
			tt.setup(t, m)
			before := memTree(t, m)
			crashed := m.Crash()
			require.Equal(t, tt.want, memTree(t, crashed))
			require.Equal(t, before, memTree(t, m), "Crash changed the MemFS")
			require.Equal(t, tt.want, memTree(t, crashed.Crash()), "a crashed MemFS is all durable")
			random := m.CrashKeepRandomPrefix(rand.New(rand.NewPCG(1, 2)))
			require.ElementsMatch(t, slices.Collect(maps.Keys(tt.want)), slices.Collect(maps.Keys(memTree(t, random))),
				"CrashKeepRandomPrefix changed directory entries")
		})
	}
}

func TestMemFSFilesOutliveCrash(t *testing.T) {
	m := NewMem()
	f, err := m.Create("/f")
	require.NoError(t, err)
	_, err = f.Write([]byte("synced"))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, m.SyncDir("/"))

	crashed := m.Crash()
	_, err = f.Write([]byte("+after crash"))
	require.NoError(t, err, "a File of the crashed MemFS keeps working")
	require.NoError(t, f.Sync())
	require.Equal(t, "synced+after crash", readFile(t, m, "/f"))
	require.Equal(t, "synced", readFile(t, crashed, "/f"))

	g, err := crashed.OpenAppend("/f")
	require.NoError(t, err)
	_, err = g.Write([]byte("+new life"))
	require.NoError(t, err)
	require.Equal(t, "synced+after crash", readFile(t, m, "/f"))
	require.Equal(t, "synced+new life", readFile(t, crashed, "/f"))
}

func TestMemFSCrashKeepRandomPrefix(t *testing.T) {
	const synced, unsynced = "synced:", "0123456789abcdefghijklmnopqrstuvwxyz"
	m := NewMem()
	create(t, m, "/f", synced, true)
	appendTo(t, m, "/f", unsynced, false)
	create(t, m, "/clean", "all synced", true)
	create(t, m, "/truncated", "long synced contents", true)
	f, err := m.OpenAppend("/truncated")
	require.NoError(t, err)
	require.NoError(t, f.Truncate(4))
	_, err = f.Write([]byte("unsynced tail"))
	require.NoError(t, err)
	require.NoError(t, m.SyncDir("/"))

	var sawNone, sawAll, sawTorn bool
	for seed := range uint64(500) {
		crashed := m.CrashKeepRandomPrefix(rand.New(rand.NewPCG(seed, 0)))
		require.Equal(t, "all synced", readFile(t, crashed, "/clean"))
		require.Equal(t, "long synced contents", readFile(t, crashed, "/truncated"))

		got := readFile(t, crashed, "/f")
		require.True(t, len(got) >= len(synced) && got[:len(synced)] == synced, "synced bytes lost: %q", got)
		tail := got[len(synced):]
		require.LessOrEqual(t, len(tail), len(unsynced), "file grew past what was written: %q", got)
		keep := 0
		for keep < len(tail) && tail[keep] == unsynced[keep] {
			keep++
		}
		// Whatever follows the longest matching prefix is garbage; a
		// garbage byte may by chance equal the written one, which only
		// lengthens the matching prefix.
		switch {
		case len(tail) == 0:
			sawNone = true
		case tail == unsynced:
			sawAll = true
		case keep < len(tail):
			sawTorn = true
		}

		again := m.CrashKeepRandomPrefix(rand.New(rand.NewPCG(seed, 0)))
		require.Equal(t, memTree(t, crashed), memTree(t, again), "same seed, different result")
	}
	require.True(t, sawNone, "never lost the whole tail")
	require.True(t, sawAll, "never kept the whole tail")
	require.True(t, sawTorn, "never tore the tail")
}

func TestMemFSCrashWithDurableLoop(t *testing.T) {
	// Renames synced in one directory and not in another can make the
	// durable entries of two directories contain each other.
	m := NewMem()
	require.NoError(t, m.MkdirAll("/a/b", 0o755))
	require.NoError(t, m.SyncDir("/"))
	require.NoError(t, m.SyncDir("/a"))
	require.NoError(t, m.Rename("/a/b", "/b"))
	require.NoError(t, m.SyncDir("/"))
	require.NoError(t, m.Rename("/a", "/b/a"))
	require.NoError(t, m.SyncDir("/b"))

	tree := memTree(t, m.Crash())
	require.Contains(t, tree, "/a/")
	require.Contains(t, tree, "/b/")
}

func TestMemFSRenameDirectory(t *testing.T) {
	m := NewMem()
	require.NoError(t, m.MkdirAll("/a/b", 0o755))
	create(t, m, "/a/b/f", "x", false)
	require.ErrorIs(t, m.Rename("/a", "/a/b/c"), syscall.EINVAL)
	require.NoError(t, m.Rename("/a", "/z"))
	require.Equal(t, map[string]string{"/z/": "", "/z/b/": "", "/z/b/f": "x"}, memTree(t, m))
}

func TestMemFSCrashWhileWriting(t *testing.T) {
	m := NewMem()
	f, err := m.Create("/f")
	require.NoError(t, err)
	require.NoError(t, m.SyncDir("/"))

	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			_, err := fmt.Fprintf(f, "%d,", i)
			if err != nil {
				t.Error(err)
				return
			}
			if i%10 == 0 {
				if err := f.Sync(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	var crashes []*MemFS
	for range 50 {
		crashes = append(crashes, m.Crash())
	}
	wg.Wait()
	final := []byte(readFile(t, m, "/f"))
	for _, crashed := range crashes {
		got := []byte(readFile(t, crashed, "/f"))
		require.True(t, bytes.HasPrefix(final, got), "crash kept bytes that were never written there")
	}
}
