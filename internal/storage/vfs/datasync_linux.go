package vfs

import (
	"io/fs"
	"os"
	"syscall"
)

// datasync is fdatasync(2): it skips flushing metadata that is not needed
// to read the data back (such as the modification time), saving a journal
// commit per call on most filesystems.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return &fs.PathError{Op: "fdatasync", Path: f.Name(), Err: os.ErrClosed}
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fdatasync(int(fd))
			if serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return &fs.PathError{Op: "fdatasync", Path: f.Name(), Err: os.ErrClosed}
	}
	if serr != nil {
		return &fs.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
