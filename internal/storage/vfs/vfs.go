package vfs

import (
	"io"
	"os"
)

// File is an open file of an FS. Files returned by Create and OpenAppend are
// in append mode: every Write lands at the current end of the file, whatever
// a concurrent ReadAt or an earlier Truncate did.
//
// All methods are safe for concurrent use. In particular ReadAt may be called
// from any number of goroutines while one goroutine appends with Write and
// another calls Sync (a group-commit fsyncer); a ReadAt sees every byte whose
// Write returned before it began. Concurrent Writes land in some order, and on
// the OS a large Write racing another may interleave with it, so a log should
// have a single writer. Close must not race with other calls on the same File.
type File interface {
	// Write appends p at the end of the file. A short write returns the
	// number of bytes appended and a non-nil error.
	io.Writer
	// ReadAt reads len(p) bytes at offset off. It follows io.ReaderAt: when
	// fewer bytes are available it returns them and io.EOF.
	io.ReaderAt
	// Sync makes the file's current contents durable. It says nothing about
	// the file's directory entry; see FS.SyncDir.
	Sync() error
	// Truncate changes the file's size, cutting or zero-extending its tail.
	// The next Write appends at the new end.
	Truncate(size int64) error
	// Size returns the file's current size in bytes, including bytes not
	// yet synced.
	Size() (int64, error)
	// Close releases the file. Operations on a closed file return an error
	// matching fs.ErrClosed. Close does not sync.
	Close() error
}

// FS is the filesystem the storage engine writes through. Names are paths in
// the usual slash-separated form; the parent directory of a name must exist.
// Errors match the fs package sentinels as the os package's do:
// errors.Is(err, fs.ErrNotExist) for a missing name, fs.ErrExist, and the
// syscall numbers ENOTDIR, EISDIR and ENOTEMPTY where os returns them.
//
// An FS is safe for concurrent use.
type FS interface {
	// Create creates the named file, or truncates it if it exists, and
	// opens it read-write in append mode.
	Create(name string) (File, error)
	// OpenAppend opens an existing file read-write; writes append at its
	// end.
	OpenAppend(name string) (File, error)
	// Open opens an existing file read-only. Write and Truncate on the
	// returned File fail with an error matching syscall.EBADF.
	Open(name string) (File, error)
	// Remove removes a file or an empty directory. Open files stay usable.
	Remove(name string) error
	// Rename moves oldname to newname, atomically replacing newname if it
	// is an existing file. Renaming onto an existing directory fails with
	// an error matching fs.ErrExist. Open files stay usable.
	Rename(oldname, newname string) error
	// MkdirAll creates dir and any missing parents. It succeeds if dir
	// already exists.
	MkdirAll(dir string, perm os.FileMode) error
	// List returns the base names of the entries of dir, files and
	// directories both, sorted.
	List(dir string) ([]string, error)
	// Stat returns the size of the named file; for a directory it returns 0.
	Stat(name string) (size int64, err error)
	// SyncDir makes the current entries of dir durable: files created in,
	// renamed into, renamed out of or removed from dir since its last
	// SyncDir. It does not sync the files' contents, nor dir's own entry in
	// its parent.
	SyncDir(dir string) error
}

// Default is the operating system's filesystem.
var Default FS = osFS{}
