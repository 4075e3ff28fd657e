package vfs

import (
	"errors"
	"io"
	"io/fs"
	"sync/atomic"
	"syscall"
)

// memFile is an open file of a MemFS. It refers to the file, not to its
// name, so it keeps working after a Remove or a Rename, as on POSIX.
type memFile struct {
	fs       *MemFS
	node     *memNode
	name     string
	readOnly bool
	closed   atomic.Bool
}

// check returns the error for op on f, or nil if f may do it.
func (f *memFile) check(op string, write bool) error {
	switch {
	case f.closed.Load():
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	case write && f.readOnly:
		return &fs.PathError{Op: op, Path: f.name, Err: syscall.EBADF}
	}
	return nil
}

func (f *memFile) Write(p []byte) (int, error) {
	if err := f.check("write", true); err != nil {
		return 0, err
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.node.data = append(f.node.data, p...)
	return len(p), nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read", false); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "readat", Path: f.name, Err: errors.New("negative offset")}
	}
	if len(p) == 0 {
		return 0, nil
	}
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	data := f.node.data
	if off >= int64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Sync() error {
	if err := f.check("sync", false); err != nil {
		return err
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.node.synced = f.node.data[:len(f.node.data):len(f.node.data)]
	return nil
}

func (f *memFile) Truncate(size int64) error {
	if err := f.check("truncate", true); err != nil {
		return err
	}
	if size < 0 {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: syscall.EINVAL}
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	data := f.node.data
	if size <= int64(len(data)) {
		// Copy, so that later appends cannot overwrite synced bytes that
		// share the backing array.
		f.node.data = append([]byte(nil), data[:size]...)
		return nil
	}
	f.node.data = append(data, make([]byte, size-int64(len(data)))...)
	return nil
}

func (f *memFile) Size() (int64, error) {
	if err := f.check("stat", false); err != nil {
		return 0, err
	}
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	return int64(len(f.node.data)), nil
}

func (f *memFile) Close() error {
	if f.closed.Swap(true) {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	return nil
}
