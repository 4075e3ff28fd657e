package vfs

import (
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// MemFS is an in-memory FS that remembers what a power loss would keep.
//
// For every file it holds the current bytes and the synced bytes: the
// contents as of the file's last Sync. For every directory it holds the
// current entries and the durable entries: the entries as of the directory's
// last SyncDir. Crash builds the filesystem a machine would find after losing
// power: the durable entries only, each file with its synced bytes.
//
// Entries are tied to files, not to names: a file renamed or removed keeps
// its old name in the durable entries until the directory is synced, and a
// Sync after the rename still reaches the file under the old name.
//
// Names are cleaned with path.Clean and resolved from the root, so "a/b",
// "/a/b" and "/a/./c/../b" are the same file. The root always exists and is
// always durable.
//
// A MemFS is safe for concurrent use; one mutex guards it all.
type MemFS struct {
	mu   sync.RWMutex
	root *memNode
}

// memNode is a file or a directory of a MemFS.
type memNode struct {
	isDir bool

	// data is a file's current contents. Writes only append to it, and a
	// shrinking truncation copies it, so the bytes below len(synced) in a
	// shared backing array never change.
	data []byte
	// synced is a file's contents as of its last Sync.
	synced []byte

	// children are a directory's current entries.
	children map[string]*memNode
	// durable are a directory's entries as of its last SyncDir.
	durable map[string]*memNode
}

func newDirNode() *memNode {
	return &memNode{
		isDir:    true,
		children: make(map[string]*memNode),
		durable:  make(map[string]*memNode),
	}
}

// NewMem returns an empty MemFS holding only the root directory.
func NewMem() *MemFS {
	return &MemFS{root: newDirNode()}
}

// splitPath cleans name and splits it into its elements; the root has none.
func splitPath(name string) []string {
	cleaned := path.Clean("/" + filepath.ToSlash(name))
	if cleaned == "/" {
		return nil
	}
	return strings.Split(cleaned[1:], "/")
}

// walk returns the directory named by elems. The caller holds m.mu.
func (m *MemFS) walk(elems []string) (*memNode, error) {
	node := m.root
	for _, elem := range elems {
		child := node.children[elem]
		if child == nil {
			return nil, fs.ErrNotExist
		}
		if !child.isDir {
			return nil, syscall.ENOTDIR
		}
		node = child
	}
	return node, nil
}

// parent returns the directory holding name and name's base; base is empty
// for the root. The caller holds m.mu.
func (m *MemFS) parent(name string) (dir *memNode, base string, err error) {
	elems := splitPath(name)
	if len(elems) == 0 {
		return nil, "", nil
	}
	dir, err = m.walk(elems[:len(elems)-1])
	if err != nil {
		return nil, "", err
	}
	return dir, elems[len(elems)-1], nil
}

// lookup returns the node called name. The caller holds m.mu.
func (m *MemFS) lookup(name string) (*memNode, error) {
	dir, base, err := m.parent(name)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return m.root, nil
	}
	node := dir.children[base]
	if node == nil {
		return nil, fs.ErrNotExist
	}
	return node, nil
}

// Create creates or truncates the named file and opens it read-write in
// append mode. Truncating an existing file changes its current bytes only;
// its synced bytes stay until the next Sync.
func (m *MemFS) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parent(name)
	if err == nil && base == "" {
		err = syscall.EISDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	node := dir.children[base]
	switch {
	case node == nil:
		node = &memNode{}
		dir.children[base] = node
	case node.isDir:
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	default:
		node.data = nil
	}
	return &memFile{fs: m, node: node, name: name}, nil
}

// OpenAppend opens an existing file read-write; writes append at its end.
func (m *MemFS) OpenAppend(name string) (File, error) {
	return m.open(name, false)
}

// Open opens an existing file read-only.
func (m *MemFS) Open(name string) (File, error) {
	return m.open(name, true)
}

func (m *MemFS) open(name string, readOnly bool) (File, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	node, err := m.lookup(name)
	if err == nil && node.isDir {
		err = syscall.EISDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{fs: m, node: node, name: name, readOnly: readOnly}, nil
}

// Remove removes a file or an empty directory. The removal is durable once
// the parent directory is synced.
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parent(name)
	if err == nil && base == "" {
		err = syscall.EBUSY
	}
	if err == nil {
		node := dir.children[base]
		switch {
		case node == nil:
			err = fs.ErrNotExist
		case node.isDir && len(node.children) > 0:
			err = syscall.ENOTEMPTY
		default:
			delete(dir.children, base)
		}
	}
	if err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	return nil
}

// Rename moves a file or a directory. A crash finds it under the old name
// until the old parent is synced and under the new name once the new parent
// is: a rename within one directory is all or nothing, one across two
// directories can leave both names or neither.
func (m *MemFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.rename(oldname, newname); err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	return nil
}

// rename checks in the order of os.Rename on Linux, so that both return the
// same error when a call has several faults.
func (m *MemFS) rename(oldname, newname string) error {
	oldDir, oldBase, err := m.parent(oldname)
	if err != nil {
		return err
	}
	newDir, newBase, err := m.parent(newname)
	if err != nil {
		return err
	}
	if oldBase == "" {
		return syscall.EBUSY
	}
	node := oldDir.children[oldBase]
	if node == nil {
		return fs.ErrNotExist
	}
	var target *memNode
	if newBase == "" {
		target = m.root
	} else {
		target = newDir.children[newBase]
	}
	switch {
	case target != nil && target.isDir:
		return fs.ErrExist
	case node.isDir && containsDir(node, newDir):
		return syscall.EINVAL
	case target == node:
		return nil
	case target != nil && node.isDir:
		return syscall.ENOTDIR
	}
	delete(oldDir.children, oldBase)
	newDir.children[newBase] = node
	return nil
}

// containsDir reports whether dir is tree or lies below it.
func containsDir(tree, dir *memNode) bool {
	if tree == dir {
		return true
	}
	for _, child := range tree.children {
		if child.isDir && containsDir(child, dir) {
			return true
		}
	}
	return false
}

// MkdirAll creates dir and any missing parents; perm is ignored. A new
// directory is durable once its parent is synced.
func (m *MemFS) MkdirAll(dir string, perm os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	node := m.root
	for _, elem := range splitPath(dir) {
		child := node.children[elem]
		if child == nil {
			child = newDirNode()
			node.children[elem] = child
		} else if !child.isDir {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		node = child
	}
	return nil
}

// List returns the sorted base names of the current entries of dir.
func (m *MemFS) List(dir string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	node, err := m.walk(splitPath(dir))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return slices.Sorted(maps.Keys(node.children)), nil
}

// Stat returns the current size of the named file, or 0 for a directory.
func (m *MemFS) Stat(name string) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	node, err := m.lookup(name)
	if err != nil {
		return 0, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return int64(len(node.data)), nil
}

// SyncDir makes the current entries of dir its durable entries.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	node, err := m.walk(splitPath(dir))
	if err != nil {
		return &fs.PathError{Op: "sync", Path: dir, Err: err}
	}
	node.durable = maps.Clone(node.children)
	return nil
}
