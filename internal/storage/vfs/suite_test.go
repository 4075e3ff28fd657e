package vfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// implementations are the FSes every behavioural test runs against. open
// returns the FS and an existing, empty directory to work in.
var implementations = []struct {
	name string
	open func(t *testing.T) (FS, string)
}{
	{"os", func(t *testing.T) (FS, string) { return Default, t.TempDir() }},
	{"mem", func(*testing.T) (FS, string) { return NewMem(), "/data" }},
	{"errorfs-os", func(t *testing.T) (FS, string) { return NewErrorFS(Default), t.TempDir() }},
	{"errorfs-mem", func(*testing.T) (FS, string) { return NewErrorFS(NewMem()), "/data" }},
}

// forEachFS runs test on every implementation.
func forEachFS(t *testing.T, test func(t *testing.T, fsys FS, dir string)) {
	t.Helper()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			fsys, dir := impl.open(t)
			require.NoError(t, fsys.MkdirAll(dir, 0o755))
			test(t, fsys, dir)
		})
	}
}

// writeFile creates name with contents through fsys.
func writeFile(t *testing.T, fsys FS, name, contents string) {
	t.Helper()
	f, err := fsys.Create(name)
	require.NoError(t, err)
	_, err = io.WriteString(f, contents)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// readFile returns the contents of name, read through fsys.
func readFile(t *testing.T, fsys FS, name string) string {
	t.Helper()
	f, err := fsys.Open(name)
	require.NoError(t, err)
	defer f.Close()
	return readAll(t, f)
}

// readAll returns the contents of f.
func readAll(t *testing.T, f File) string {
	t.Helper()
	size, err := f.Size()
	require.NoError(t, err)
	buf := make([]byte, size)
	n, err := f.ReadAt(buf, 0)
	if err != io.EOF {
		require.NoError(t, err)
	}
	require.Equal(t, int(size), n)
	return string(buf)
}

func TestFileWriteReadAt(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		f, err := fsys.Create(name)
		require.NoError(t, err)
		defer f.Close()
		for _, chunk := range []string{"hello", " ", "world"} {
			n, err := f.Write([]byte(chunk))
			require.NoError(t, err)
			require.Equal(t, len(chunk), n)
		}
		size, err := f.Size()
		require.NoError(t, err)
		require.EqualValues(t, 11, size)
		size, err = fsys.Stat(name)
		require.NoError(t, err)
		require.EqualValues(t, 11, size)

		tests := []struct {
			name    string
			off     int64
			len     int
			want    string
			wantEOF bool
		}{
			{name: "start", off: 0, len: 5, want: "hello"},
			{name: "middle", off: 4, len: 3, want: "o w"},
			{name: "whole", off: 0, len: 11, want: "hello world"},
			{name: "to end exactly", off: 6, len: 5, want: "world"},
			{name: "across end", off: 6, len: 10, want: "world", wantEOF: true},
			{name: "at end", off: 11, len: 4, wantEOF: true},
			{name: "past end", off: 100, len: 4, wantEOF: true},
			{name: "empty buffer", off: 3, len: 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				buf := make([]byte, tt.len)
				n, err := f.ReadAt(buf, tt.off)
				if tt.wantEOF {
					require.ErrorIs(t, err, io.EOF)
				} else {
					require.NoError(t, err)
				}
				require.Equal(t, tt.want, string(buf[:n]))
			})
		}

		_, err = f.ReadAt(make([]byte, 1), -1)
		require.Error(t, err)
	})
}

// pattern is the byte at offset i of the file TestReadAtConcurrentWithWrite
// writes.
func pattern(i int64) byte { return byte(i % 251) }

func TestReadAtConcurrentWithWrite(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		const (
			chunks    = 300
			chunkSize = 97
			readers   = 4
		)
		name := filepath.Join(dir, "seg")
		w, err := fsys.Create(name)
		require.NoError(t, err)
		defer w.Close()
		r, err := fsys.Open(name)
		require.NoError(t, err)
		defer r.Close()

		done := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, readers+1)
		for reader := range readers {
			wg.Go(func() {
				buf := make([]byte, 64)
				for iteration := 0; ; iteration++ {
					select {
					case <-done:
						return
					default:
					}
					size, err := r.Size()
					if err != nil {
						errs <- err
						return
					}
					if size < int64(len(buf)) {
						continue
					}
					off := int64(iteration*7+reader*13) % (size - int64(len(buf)) + 1)
					n, err := r.ReadAt(buf, off)
					if err != nil || n != len(buf) {
						errs <- errors.Join(errors.New("short read"), err)
						return
					}
					for i, b := range buf {
						if b != pattern(off+int64(i)) {
							errs <- errors.New("read bytes that were not written there")
							return
						}
					}
				}
			})
		}
		wg.Go(func() {
			for range 10 {
				select {
				case <-done:
					return
				default:
				}
				if err := w.Sync(); err != nil {
					errs <- err
					return
				}
			}
		})

		chunk := make([]byte, chunkSize)
		for c := range chunks {
			for i := range chunk {
				chunk[i] = pattern(int64(c*chunkSize + i))
			}
			_, err := w.Write(chunk)
			require.NoError(t, err)
		}
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got := readAll(t, r)
		require.Len(t, got, chunks*chunkSize)
		for i := range len(got) {
			require.Equal(t, pattern(int64(i)), got[i])
		}
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name    string
		size    int64
		want    string
		wantErr bool
	}{
		{name: "shrink", size: 3, want: "abc+tail"},
		{name: "to zero", size: 0, want: "+tail"},
		{name: "same size", size: 6, want: "abcdef+tail"},
		{name: "grow zero-extends", size: 8, want: "abcdef\x00\x00+tail"},
		{name: "negative", size: -1, wantErr: true},
	}
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				name := filepath.Join(dir, "seg")
				f, err := fsys.Create(name)
				require.NoError(t, err)
				defer f.Close()
				_, err = f.Write([]byte("abcdef"))
				require.NoError(t, err)
				require.NoError(t, f.Sync())
				err = f.Truncate(tt.size)
				if tt.wantErr {
					require.Error(t, err)
					return
				}
				require.NoError(t, err)
				size, err := f.Size()
				require.NoError(t, err)
				require.Equal(t, tt.size, size)
				_, err = f.Write([]byte("+tail"))
				require.NoError(t, err)
				require.Equal(t, tt.want, readAll(t, f))
				require.Equal(t, tt.want, readFile(t, fsys, name))
			})
		}
	})
}

func TestCreateTruncatesExisting(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, "old contents")
		writeFile(t, fsys, name, "new")
		require.Equal(t, "new", readFile(t, fsys, name))
	})
}

func TestOpenAppend(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, "first")
		f, err := fsys.OpenAppend(name)
		require.NoError(t, err)
		_, err = f.Write([]byte("+second"))
		require.NoError(t, err)
		require.Equal(t, "first+second", readAll(t, f))
		require.NoError(t, f.Close())
		require.Equal(t, "first+second", readFile(t, fsys, name))

		_, err = fsys.OpenAppend(filepath.Join(dir, "missing"))
		require.ErrorIs(t, err, fs.ErrNotExist)
		_, err = fsys.Open(filepath.Join(dir, "missing"))
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestOpenReadOnly(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, "contents")
		f, err := fsys.Open(name)
		require.NoError(t, err)
		defer f.Close()
		_, err = f.Write([]byte("x"))
		require.ErrorIs(t, err, syscall.EBADF)
		require.ErrorIs(t, f.Truncate(0), syscall.EBADF)
		require.NoError(t, f.Sync())
		require.Equal(t, "contents", readAll(t, f))
	})
}

func TestClosedFile(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		f, err := fsys.Create(filepath.Join(dir, "seg"))
		require.NoError(t, err)
		require.NoError(t, f.Close())
		_, err = f.Write([]byte("x"))
		require.ErrorIs(t, err, fs.ErrClosed)
		_, err = f.ReadAt(make([]byte, 1), 0)
		require.ErrorIs(t, err, fs.ErrClosed)
		require.ErrorIs(t, f.Sync(), fs.ErrClosed)
		require.ErrorIs(t, f.Truncate(0), fs.ErrClosed)
		_, err = f.Size()
		require.ErrorIs(t, err, fs.ErrClosed)
		require.ErrorIs(t, f.Close(), fs.ErrClosed)
	})
}

func TestDirectoryIsNotAFile(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		_, err := fsys.Create(dir)
		require.ErrorIs(t, err, syscall.EISDIR)
		_, err = fsys.OpenAppend(dir)
		require.ErrorIs(t, err, syscall.EISDIR)
		_, err = fsys.Open(dir)
		require.ErrorIs(t, err, syscall.EISDIR)
	})
}

func TestMissingParent(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		_, err := fsys.Create(filepath.Join(dir, "missing", "seg"))
		require.ErrorIs(t, err, fs.ErrNotExist)
		file := filepath.Join(dir, "file")
		writeFile(t, fsys, file, "x")
		_, err = fsys.Create(filepath.Join(file, "seg"))
		require.ErrorIs(t, err, syscall.ENOTDIR)
	})
}

func TestRename(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		to      string
		wantErr error
		want    map[string]string // file name to contents after the rename
	}{
		{name: "to new name", from: "a", to: "c", want: map[string]string{"c": "A", "b": "B"}},
		{name: "replaces file", from: "a", to: "b", want: map[string]string{"b": "A"}},
		{name: "into directory", from: "a", to: "sub/a", want: map[string]string{"sub/a": "A", "b": "B"}},
		{name: "same name", from: "a", to: "a", want: map[string]string{"a": "A", "b": "B"}},
		{name: "missing source", from: "missing", to: "c", wantErr: fs.ErrNotExist},
		{name: "missing target directory", from: "a", to: "missing/a", wantErr: fs.ErrNotExist},
		{name: "onto directory", from: "a", to: "sub", wantErr: fs.ErrExist},
		{name: "directory onto file", from: "sub", to: "a", wantErr: syscall.ENOTDIR},
	}
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				root := filepath.Join(dir, tt.name)
				require.NoError(t, fsys.MkdirAll(filepath.Join(root, "sub"), 0o755))
				writeFile(t, fsys, filepath.Join(root, "a"), "A")
				writeFile(t, fsys, filepath.Join(root, "b"), "B")
				err := fsys.Rename(filepath.Join(root, tt.from), filepath.Join(root, tt.to))
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
					tt.want = map[string]string{"a": "A", "b": "B"}
				} else {
					require.NoError(t, err)
				}
				require.Equal(t, tt.want, filesBelow(t, fsys, root))
			})
		}
	})
}

// filesBelow returns the contents of the files below root by their names
// relative to root.
func filesBelow(t *testing.T, fsys FS, root string) map[string]string {
	t.Helper()
	files := make(map[string]string)
	var walk func(rel string)
	walk = func(rel string) {
		names, err := fsys.List(filepath.Join(root, rel))
		require.NoError(t, err)
		for _, name := range names {
			childRel := filepath.Join(rel, name)
			child := filepath.Join(root, childRel)
			if _, err := fsys.List(child); err == nil {
				walk(childRel)
				continue
			}
			files[childRel] = readFile(t, fsys, child)
		}
	}
	walk("")
	return files
}

func TestList(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		names, err := fsys.List(dir)
		require.NoError(t, err)
		require.Empty(t, names)
		for _, name := range []string{"00000003.seg", "00000001.seg", "index", "00000002.seg"} {
			writeFile(t, fsys, filepath.Join(dir, name), name)
		}
		require.NoError(t, fsys.MkdirAll(filepath.Join(dir, "b-dir"), 0o755))
		names, err = fsys.List(dir)
		require.NoError(t, err)
		require.Equal(t, []string{"00000001.seg", "00000002.seg", "00000003.seg", "b-dir", "index"}, names)

		_, err = fsys.List(filepath.Join(dir, "missing"))
		require.ErrorIs(t, err, fs.ErrNotExist)
		_, err = fsys.List(filepath.Join(dir, "index"))
		require.ErrorIs(t, err, syscall.ENOTDIR)
	})
}

func TestRemove(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		file := filepath.Join(dir, "seg")
		writeFile(t, fsys, file, "x")
		full := filepath.Join(dir, "full")
		require.NoError(t, fsys.MkdirAll(full, 0o755))
		writeFile(t, fsys, filepath.Join(full, "seg"), "x")
		empty := filepath.Join(dir, "empty")
		require.NoError(t, fsys.MkdirAll(empty, 0o755))

		require.NoError(t, fsys.Remove(file))
		_, err := fsys.Stat(file)
		require.ErrorIs(t, err, fs.ErrNotExist)
		require.ErrorIs(t, fsys.Remove(file), fs.ErrNotExist)
		require.ErrorIs(t, fsys.Remove(full), syscall.ENOTEMPTY)
		require.NoError(t, fsys.Remove(empty))

		names, err := fsys.List(dir)
		require.NoError(t, err)
		require.Equal(t, []string{"full"}, names)
	})
}

func TestMkdirAll(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		nested := filepath.Join(dir, "a", "b", "c")
		require.NoError(t, fsys.MkdirAll(nested, 0o755))
		require.NoError(t, fsys.MkdirAll(nested, 0o755))
		writeFile(t, fsys, filepath.Join(nested, "seg"), "x")
		names, err := fsys.List(filepath.Join(dir, "a"))
		require.NoError(t, err)
		require.Equal(t, []string{"b"}, names)

		file := filepath.Join(dir, "file")
		writeFile(t, fsys, file, "x")
		require.ErrorIs(t, fsys.MkdirAll(file, 0o755), syscall.ENOTDIR)
		require.ErrorIs(t, fsys.MkdirAll(filepath.Join(file, "sub"), 0o755), syscall.ENOTDIR)
	})
}

func TestStat(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, "12345")
		size, err := fsys.Stat(name)
		require.NoError(t, err)
		require.EqualValues(t, 5, size)
		size, err = fsys.Stat(dir)
		require.NoError(t, err)
		require.Zero(t, size)
		_, err = fsys.Stat(filepath.Join(dir, "missing"))
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestSyncDir(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, "x")
		require.NoError(t, fsys.SyncDir(dir))
		require.ErrorIs(t, fsys.SyncDir(filepath.Join(dir, "missing")), fs.ErrNotExist)
		require.ErrorIs(t, fsys.SyncDir(name), syscall.ENOTDIR)
	})
}

func TestOpenFileOutlivesItsName(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		removed := filepath.Join(dir, "removed")
		renamed := filepath.Join(dir, "renamed")
		for _, name := range []string{removed, renamed} {
			f, err := fsys.Create(name)
			require.NoError(t, err)
			_, err = f.Write([]byte("before"))
			require.NoError(t, err)
			if name == removed {
				require.NoError(t, fsys.Remove(name))
			} else {
				require.NoError(t, fsys.Rename(name, name+".new"))
			}
			_, err = f.Write([]byte("+after"))
			require.NoError(t, err)
			require.NoError(t, f.Sync())
			require.Equal(t, "before+after", readAll(t, f))
			require.NoError(t, f.Close())
		}
		require.Equal(t, "before+after", readFile(t, fsys, renamed+".new"))
		_, err := fsys.Stat(removed)
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestAtomicReplace(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		index := filepath.Join(dir, "index")
		for _, contents := range []string{"version 1", "version 2, longer"} {
			tmp := index + ".tmp"
			f, err := fsys.Create(tmp)
			require.NoError(t, err)
			_, err = f.Write([]byte(contents))
			require.NoError(t, err)
			require.NoError(t, f.Sync())
			require.NoError(t, f.Close())
			require.NoError(t, fsys.Rename(tmp, index))
			require.NoError(t, fsys.SyncDir(dir))
			require.Equal(t, contents, readFile(t, fsys, index))
		}
		names, err := fsys.List(dir)
		require.NoError(t, err)
		require.Equal(t, []string{"index"}, names)
	})
}

func TestLargeWrite(t *testing.T) {
	forEachFS(t, func(t *testing.T, fsys FS, dir string) {
		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
		name := filepath.Join(dir, "seg")
		writeFile(t, fsys, name, string(data))
		require.Equal(t, string(data), readFile(t, fsys, name))
	})
}
