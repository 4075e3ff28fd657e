package vfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorFSRuleFiring(t *testing.T) {
	isA := func(name string) bool { return strings.HasSuffix(name, "/a") }
	tests := []struct {
		name  string
		rules []Rule
		calls []string // file each Sync is called on, in order
		fails []bool   // whether each call fails
	}{
		{
			name:  "no rules",
			calls: []string{"a", "a", "a"},
			fails: []bool{false, false, false},
		},
		{
			name:  "zero Nth is the first call",
			rules: []Rule{{Op: OpSync}},
			calls: []string{"a", "a", "a"},
			fails: []bool{true, false, false},
		},
		{
			name:  "Nth call only",
			rules: []Rule{{Op: OpSync, Nth: 3}},
			calls: []string{"a", "a", "a", "a", "a"},
			fails: []bool{false, false, true, false, false},
		},
		{
			name:  "every call from the Nth on",
			rules: []Rule{{Op: OpSync, Nth: 3, Repeat: true}},
			calls: []string{"a", "a", "a", "a", "a"},
			fails: []bool{false, false, true, true, true},
		},
		{
			name:  "path predicate counts only matching calls",
			rules: []Rule{{Op: OpSync, Nth: 2, Path: isA}},
			calls: []string{"b", "a", "b", "b", "a", "a"},
			fails: []bool{false, false, false, false, true, false},
		},
		{
			name:  "other op does not match",
			rules: []Rule{{Op: OpWrite}},
			calls: []string{"a", "a"},
			fails: []bool{false, false},
		},
		{
			name:  "rules count independently",
			rules: []Rule{{Op: OpSync, Nth: 2}, {Op: OpSync, Nth: 2, Path: isA}},
			calls: []string{"b", "a", "b", "a"},
			fails: []bool{false, true, false, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			efs := NewErrorFS(NewMem())
			files := make(map[string]File)
			for _, name := range []string{"/a", "/b"} {
				f, err := efs.Create(name)
				require.NoError(t, err)
				files[name[1:]] = f
			}
			for _, rule := range tt.rules {
				efs.Inject(rule)
			}
			var fails []bool
			for _, name := range tt.calls {
				err := files[name].Sync()
				if err != nil {
					require.ErrorIs(t, err, ErrInjected)
				}
				fails = append(fails, err != nil)
			}
			require.Equal(t, tt.fails, fails)
			require.EqualValues(t, len(tt.calls), efs.Count(OpSync))
		})
	}
}

func TestErrorFSErrors(t *testing.T) {
	efs := NewErrorFS(NewMem())
	f, err := efs.Create("/f")
	require.NoError(t, err)

	efs.Inject(Rule{Op: OpSync})
	err = f.Sync()
	require.ErrorIs(t, err, ErrInjected)
	require.ErrorIs(t, err, syscall.EIO)
	var pathErr *fs.PathError
	require.ErrorAs(t, err, &pathErr)
	require.Equal(t, "/f", pathErr.Path)
	require.Equal(t, "sync /f: injected: input/output error", err.Error())

	efs.Inject(Rule{Op: OpWrite, Err: syscall.ENOSPC})
	_, err = f.Write([]byte("x"))
	require.ErrorIs(t, err, ErrInjected)
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.NotErrorIs(t, err, syscall.EIO)

	sentinel := errors.New("custom")
	efs.Inject(Rule{Op: OpRename, Err: sentinel})
	err = efs.Rename("/f", "/g")
	require.ErrorIs(t, err, sentinel)
	var linkErr *os.LinkError
	require.ErrorAs(t, err, &linkErr)

	// Errors of the wrapped FS pass through and are not injected.
	_, err = efs.Open("/missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.NotErrorIs(t, err, ErrInjected)
}

func TestErrorFSPartialWrite(t *testing.T) {
	tests := []struct {
		name    string
		partial int
		wantN   int
		want    string
	}{
		{name: "nothing", partial: 0, wantN: 0, want: "head:"},
		{name: "negative is nothing", partial: -3, wantN: 0, want: "head:"},
		{name: "first bytes", partial: 3, wantN: 3, want: "head:hel"},
		{name: "all bytes still fails", partial: 100, wantN: 5, want: "head:hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMem()
			efs := NewErrorFS(mem)
			f, err := efs.Create("/f")
			require.NoError(t, err)
			_, err = f.Write([]byte("head:"))
			require.NoError(t, err)

			efs.Inject(Rule{Op: OpWrite, PartialWrite: tt.partial, Err: syscall.ENOSPC})
			n, err := f.Write([]byte("hello"))
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.Equal(t, tt.wantN, n)
			require.Equal(t, tt.want, readFile(t, mem, "/f"))

			n, err = f.Write([]byte("!"))
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.Equal(t, tt.want+"!", readFile(t, mem, "/f"))
		})
	}
}

func TestErrorFSEveryOp(t *testing.T) {
	exists := func(mem *MemFS, name string) bool {
		_, err := mem.Stat(name)
		return err == nil
	}
	tests := []struct {
		name string
		op   Op
		call func(efs *ErrorFS, f File) error
		// check, if set, checks that the failed call had no effect.
		check func(t *testing.T, mem *MemFS)
	}{
		{
			name: "Create", op: OpCreate,
			call: func(efs *ErrorFS, _ File) error {
				_, err := efs.Create("/d/new")
				return err
			},
			check: func(t *testing.T, mem *MemFS) { require.False(t, exists(mem, "/d/new")) },
		},
		{
			name: "Open", op: OpOpen,
			call: func(efs *ErrorFS, _ File) error {
				_, err := efs.Open("/d/f")
				return err
			},
		},
		{
			name: "OpenAppend", op: OpOpen,
			call: func(efs *ErrorFS, _ File) error {
				_, err := efs.OpenAppend("/d/f")
				return err
			},
		},
		{
			name: "Write", op: OpWrite,
			call: func(_ *ErrorFS, f File) error {
				_, err := f.Write([]byte("x"))
				return err
			},
			check: func(t *testing.T, mem *MemFS) { require.Equal(t, "data", readFile(t, mem, "/d/f")) },
		},
		{
			name: "ReadAt", op: OpRead,
			call: func(_ *ErrorFS, f File) error {
				_, err := f.ReadAt(make([]byte, 1), 0)
				return err
			},
		},
		{
			name: "Sync", op: OpSync,
			call:  func(_ *ErrorFS, f File) error { return f.Sync() },
			check: func(t *testing.T, mem *MemFS) { require.Empty(t, readFile(t, mem.Crash(), "/d/f")) },
		},
		{
			name: "Truncate", op: OpTruncate,
			call:  func(_ *ErrorFS, f File) error { return f.Truncate(0) },
			check: func(t *testing.T, mem *MemFS) { require.Equal(t, "data", readFile(t, mem, "/d/f")) },
		},
		{
			name: "Size", op: OpStat,
			call: func(_ *ErrorFS, f File) error {
				_, err := f.Size()
				return err
			},
		},
		{
			name: "Stat", op: OpStat,
			call: func(efs *ErrorFS, _ File) error {
				_, err := efs.Stat("/d/f")
				return err
			},
		},
		{
			name: "Close", op: OpClose,
			call: func(_ *ErrorFS, f File) error { return f.Close() },
		},
		{
			name: "Remove", op: OpRemove,
			call:  func(efs *ErrorFS, _ File) error { return efs.Remove("/d/f") },
			check: func(t *testing.T, mem *MemFS) { require.True(t, exists(mem, "/d/f")) },
		},
		{
			name: "Rename", op: OpRename,
			call: func(efs *ErrorFS, _ File) error { return efs.Rename("/d/f", "/d/g") },
			check: func(t *testing.T, mem *MemFS) {
				require.True(t, exists(mem, "/d/f"))
				require.False(t, exists(mem, "/d/g"))
			},
		},
		{
			name: "MkdirAll", op: OpMkdirAll,
			call:  func(efs *ErrorFS, _ File) error { return efs.MkdirAll("/d/sub", 0o755) },
			check: func(t *testing.T, mem *MemFS) { require.False(t, exists(mem, "/d/sub")) },
		},
		{
			name: "List", op: OpList,
			call: func(efs *ErrorFS, _ File) error {
				_, err := efs.List("/d")
				return err
			},
		},
		{
			name: "SyncDir", op: OpSyncDir,
			call:  func(efs *ErrorFS, _ File) error { return efs.SyncDir("/d") },
			check: func(t *testing.T, mem *MemFS) { require.False(t, exists(mem.Crash(), "/d/unsynced")) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMem()
			require.NoError(t, mem.MkdirAll("/d", 0o755))
			require.NoError(t, mem.SyncDir("/"))
			efs := NewErrorFS(mem)
			f, err := efs.Create("/d/f")
			require.NoError(t, err)
			_, err = f.Write([]byte("data"))
			require.NoError(t, err)
			require.NoError(t, mem.SyncDir("/d"))
			create(t, mem, "/d/unsynced", "", false)
			efs.ResetCounts()

			efs.Inject(Rule{Op: tt.op})
			require.ErrorIs(t, tt.call(efs, f), ErrInjected)
			require.EqualValues(t, 1, efs.Count(tt.op))
			if tt.check != nil {
				tt.check(t, mem)
			}
			efs.Reset()
			if tt.op != OpClose {
				require.NoError(t, tt.call(efs, f), "still failing after Reset")
				require.EqualValues(t, 2, efs.Count(tt.op))
			}
		})
	}
}

func TestErrorFSCloseClosesTheFile(t *testing.T) {
	efs := NewErrorFS(NewMem())
	f, err := efs.Create("/f")
	require.NoError(t, err)
	efs.Inject(Rule{Op: OpClose})
	require.ErrorIs(t, f.Close(), ErrInjected)
	efs.Reset()
	_, err = f.Write([]byte("x"))
	require.ErrorIs(t, err, fs.ErrClosed)
}

func TestErrorFSRenamePathMatchesEitherName(t *testing.T) {
	tests := []struct {
		name  string
		match string
	}{
		{name: "old name", match: "/index.tmp"},
		{name: "new name", match: "/index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			efs := NewErrorFS(NewMem())
			writeFile(t, efs, "/index.tmp", "x")
			writeFile(t, efs, "/other", "x")
			efs.Inject(Rule{Op: OpRename, Repeat: true, Path: func(name string) bool { return name == tt.match }})
			require.ErrorIs(t, efs.Rename("/index.tmp", "/index"), ErrInjected)
			require.NoError(t, efs.Rename("/other", "/other2"))
		})
	}
}

func TestErrorFSCounts(t *testing.T) {
	efs := NewErrorFS(NewMem())
	require.NoError(t, efs.MkdirAll("/d", 0o755))
	f, err := efs.Create("/d/f")
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if err := f.Sync(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	efs.Inject(Rule{Op: OpSync})
	require.Error(t, f.Sync())

	require.EqualValues(t, 801, efs.Count(OpSync), "failed calls count too")
	require.EqualValues(t, 1, efs.Count(OpCreate))
	require.EqualValues(t, 1, efs.Count(OpMkdirAll))
	require.Zero(t, efs.Count(OpWrite))
	require.Zero(t, efs.Count(Op(-1)))
	require.Zero(t, efs.Count(numOps))

	efs.ResetCounts()
	require.Zero(t, efs.Count(OpSync))
	require.NoError(t, f.Sync(), "ResetCounts removed no rule but the rule fired once already")
	require.EqualValues(t, 1, efs.Count(OpSync))
}

func TestOpString(t *testing.T) {
	require.Equal(t, "sync", OpSync.String())
	require.Equal(t, "syncdir", OpSyncDir.String())
	require.Equal(t, "Op(99)", Op(99).String())
	for op := range numOps {
		require.NotEmpty(t, opNames[op], "op %d has no name", int(op))
	}
}
