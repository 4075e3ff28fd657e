package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// errorClass names the sentinel err matches, for comparing the errors of two
// implementations.
func errorClass(err error) string {
	for _, class := range []struct {
		name   string
		target error
	}{
		{"ENOTEMPTY", syscall.ENOTEMPTY}, // before ErrExist, which it also matches
		{"ENOTDIR", syscall.ENOTDIR},
		{"EISDIR", syscall.EISDIR},
		{"EBADF", syscall.EBADF},
		{"EINVAL", syscall.EINVAL},
		{"ErrNotExist", fs.ErrNotExist},
		{"ErrExist", fs.ErrExist},
		{"ErrClosed", fs.ErrClosed},
	} {
		if errors.Is(err, class.target) {
			return class.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "other: " + err.Error()
}

// applyRandomOp does one random operation in root through fsys and returns
// a description of its outcome. The same rng state gives the same
// operation.
func applyRandomOp(fsys FS, root string, rng *rand.Rand) string {
	names := []string{"a", "b", "d", "d/a", "d/b", "d/e", "d/e/a", "e"}
	name := names[rng.IntN(len(names))]
	other := names[rng.IntN(len(names))]
	full := filepath.Join(root, name)
	data := strings.Repeat(name, 1+rng.IntN(3))
	switch op := rng.IntN(9); op {
	case 0:
		f, err := fsys.Create(full)
		if err != nil {
			return "create " + name + ": " + errorClass(err)
		}
		_, err = io.WriteString(f, data)
		return fmt.Sprintf("create %s: %s %s", name, errorClass(err), errorClass(f.Close()))
	case 1:
		f, err := fsys.OpenAppend(full)
		if err != nil {
			return "append " + name + ": " + errorClass(err)
		}
		_, err = io.WriteString(f, data)
		return fmt.Sprintf("append %s: %s %s", name, errorClass(err), errorClass(f.Close()))
	case 2:
		size := rng.Int64N(8)
		f, err := fsys.OpenAppend(full)
		if err != nil {
			return "truncate " + name + ": " + errorClass(err)
		}
		err = f.Truncate(size)
		return fmt.Sprintf("truncate %s %d: %s %s", name, size, errorClass(err), errorClass(f.Close()))
	case 3:
		return "remove " + name + ": " + errorClass(fsys.Remove(full))
	case 4:
		err := fsys.Rename(full, filepath.Join(root, other))
		return "rename " + name + " " + other + ": " + errorClass(err)
	case 5:
		return "mkdirall " + name + ": " + errorClass(fsys.MkdirAll(full, 0o755))
	case 6:
		list, err := fsys.List(full)
		return fmt.Sprintf("list %s: %s %q", name, errorClass(err), list)
	case 7:
		size, err := fsys.Stat(full)
		if err != nil {
			return "stat " + name + ": " + errorClass(err)
		}
		list, err := fsys.List(full)
		if err == nil {
			return fmt.Sprintf("stat %s: directory of %q", name, list)
		}
		return fmt.Sprintf("stat %s: %d", name, size)
	default:
		f, err := fsys.Open(full)
		if err != nil {
			return "read " + name + ": " + errorClass(err)
		}
		defer f.Close()
		buf := make([]byte, 64)
		n, err := f.ReadAt(buf, 0)
		if err == io.EOF {
			err = nil
		}
		return fmt.Sprintf("read %s: %s %q", name, errorClass(err), buf[:n])
	}
}

// TestMemFSMatchesOS runs random sequences of operations on MemFS and on the
// operating system and checks they have the same outcomes.
func TestMemFSMatchesOS(t *testing.T) {
	seeds := uint64(40)
	if testing.Short() {
		seeds = 5
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			osRoot := t.TempDir()
			mem := NewMem()
			const memRoot = "/root"
			require.NoError(t, mem.MkdirAll(memRoot, 0o755))
			osRNG := rand.New(rand.NewPCG(seed, 1))
			memRNG := rand.New(rand.NewPCG(seed, 1))
			var history []string
			for range 300 {
				want := applyRandomOp(Default, osRoot, osRNG)
				got := applyRandomOp(mem, memRoot, memRNG)
				history = append(history, want)
				require.Equal(t, want, got, "after:\n%s", strings.Join(history, "\n"))
			}
			require.Equal(t, filesBelow(t, Default, osRoot), filesBelow(t, mem, memRoot))
		})
	}
}
