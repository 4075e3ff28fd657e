package vfs

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// osFS is the FS of the operating system, Default.
type osFS struct{}

// filePerm is the mode of files created by Create, before the umask.
const filePerm = 0o644

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, filePerm)
	if err != nil {
		return nil, err
	}
	return &osFile{file: f}, nil
}

func (osFS) OpenAppend(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &osFile{file: f}, nil
}

func (osFS) Open(name string) (File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	// os.Open succeeds on a directory; the other opens fail with EISDIR
	// there, and so does this one.
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &osFile{file: f, readOnly: true}, nil
}

func (osFS) Remove(name string) error {
	return os.Remove(name)
}

func (osFS) Rename(oldname, newname string) error {
	return os.Rename(oldname, newname)
}

func (osFS) MkdirAll(dir string, perm os.FileMode) error {
	return os.MkdirAll(dir, perm)
}

func (osFS) List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, entry := range entries {
		names[i] = entry.Name()
	}
	return names, nil
}

func (osFS) Stat(name string) (int64, error) {
	info, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	if info.IsDir() {
		return 0, nil
	}
	return info.Size(), nil
}

func (osFS) SyncDir(dir string) error {
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}

// syncDir fsyncs the directory dir.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	info, err := d.Stat()
	if err == nil && !info.IsDir() {
		err = &fs.PathError{Op: "sync", Path: dir, Err: syscall.ENOTDIR}
	}
	if err == nil {
		err = d.Sync()
	}
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

// osFile is a File of the operating system.
type osFile struct {
	file     *os.File
	readOnly bool
}

func (f *osFile) Write(p []byte) (int, error) {
	if f.readOnly {
		return 0, &fs.PathError{Op: "write", Path: f.file.Name(), Err: syscall.EBADF}
	}
	return f.file.Write(p)
}

func (f *osFile) ReadAt(p []byte, off int64) (int, error) {
	return f.file.ReadAt(p, off)
}

// Sync flushes the file's data, and the metadata needed to read it back
// (its size), to stable storage: fdatasync where the system has it.
func (f *osFile) Sync() error {
	return datasync(f.file)
}

func (f *osFile) Truncate(size int64) error {
	if f.readOnly {
		return &fs.PathError{Op: "truncate", Path: f.file.Name(), Err: syscall.EBADF}
	}
	return f.file.Truncate(size)
}

func (f *osFile) Size() (int64, error) {
	info, err := f.file.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func (f *osFile) Close() error {
	return f.file.Close()
}
