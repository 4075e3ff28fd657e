package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Op is a kind of filesystem call an ErrorFS counts and can fail.
type Op int

// The operations. File methods count under the op named after them; FS.Stat
// and File.Size share OpStat, FS.Open and FS.OpenAppend share OpOpen.
const (
	OpCreate Op = iota
	OpOpen
	OpWrite
	OpRead
	OpSync
	OpTruncate
	OpClose
	OpRemove
	OpRename
	OpMkdirAll
	OpList
	OpStat
	OpSyncDir
	numOps
)

var opNames = [numOps]string{
	OpCreate:   "create",
	OpOpen:     "open",
	OpWrite:    "write",
	OpRead:     "read",
	OpSync:     "sync",
	OpTruncate: "truncate",
	OpClose:    "close",
	OpRemove:   "remove",
	OpRename:   "rename",
	OpMkdirAll: "mkdirall",
	OpList:     "list",
	OpStat:     "stat",
	OpSyncDir:  "syncdir",
}

// String returns the op's lower-case name, such as "sync".
func (op Op) String() string {
	if op >= 0 && op < numOps {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// ErrInjected matches, with errors.Is, every error an ErrorFS injects. The
// injected error also matches the rule's Err (by default syscall.EIO).
var ErrInjected = errors.New("injected error")

// injectedError is the error of a rule that fired.
type injectedError struct {
	err error
}

func (e *injectedError) Error() string        { return "injected: " + e.err.Error() }
func (e *injectedError) Unwrap() error        { return e.err }
func (e *injectedError) Is(target error) bool { return target == ErrInjected }

// Rule says which calls an ErrorFS fails, and how.
//
// A rule counts the calls it matches, from the moment it is injected, and
// fires on the Nth of them; with Repeat it fires on that call and on every
// matching call after it:
//
//	// The third Sync fails; the others succeed.
//	Rule{Op: OpSync, Nth: 3}
//	// The disk is full from the fifth Write on.
//	Rule{Op: OpWrite, Nth: 5, Repeat: true, Err: syscall.ENOSPC}
//	// The next Write appends 10 bytes, then fails.
//	Rule{Op: OpWrite, PartialWrite: 10}
//	// The next Create of an index file fails.
//	Rule{Op: OpCreate, Path: func(name string) bool { return strings.HasSuffix(name, ".idx") }}
type Rule struct {
	// Op is the operation the rule applies to.
	Op Op
	// Path, if not nil, restricts the rule to calls on names it accepts:
	// the name given to the FS method, or the name the File was opened
	// with. For OpRename the rule matches if Path accepts either name.
	Path func(name string) bool
	// Nth is the 1-based number, among the calls the rule matches, of the
	// call that fails. Zero means 1: the first matching call.
	Nth int64
	// Repeat makes every matching call from the Nth on fail, not only the
	// Nth: "every call after N" is Nth: N+1, Repeat: true.
	Repeat bool
	// Err is the error the failing call returns, wrapped so that it also
	// matches ErrInjected. Nil means syscall.EIO; use syscall.ENOSPC for a
	// full disk.
	Err error
	// PartialWrite, for OpWrite, is the number of bytes the failing Write
	// appends before it fails (at most len(p)); zero appends nothing. The
	// Write returns this count along with the error: a short write.
	PartialWrite int
}

// ruleState is an injected rule and the number of calls it has matched.
type ruleState struct {
	rule    Rule
	matched int64
}

// ErrorFS wraps an FS, counts the calls made through it and fails those its
// rules select. Calls that no rule fails go to the wrapped FS unchanged; a
// failed call does nothing (apart from a partial write's bytes) and returns
// an *fs.PathError (an *os.LinkError for Rename) whose Err is the injected
// error.
//
// An ErrorFS is safe for concurrent use, and rules may be injected and reset
// while other goroutines use it.
type ErrorFS struct {
	inner  FS
	counts [numOps]atomic.Int64

	mu    sync.Mutex
	rules []*ruleState
}

// NewErrorFS returns an ErrorFS over inner with no rules.
func NewErrorFS(inner FS) *ErrorFS {
	return &ErrorFS{inner: inner}
}

// Inject adds a rule. Rules are tried in the order they were injected; every
// matching rule counts the call, and the first that fires fails it.
func (e *ErrorFS) Inject(rule Rule) {
	if rule.Nth <= 0 {
		rule.Nth = 1
	}
	if rule.Err == nil {
		rule.Err = syscall.EIO
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = append(e.rules, &ruleState{rule: rule})
}

// Reset removes all rules. The call counts are kept; see ResetCounts.
func (e *ErrorFS) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = nil
}

// Count returns the number of op calls made through e since it was created
// or since the last ResetCounts, failed ones included.
func (e *ErrorFS) Count(op Op) int64 {
	if op < 0 || op >= numOps {
		return 0
	}
	return e.counts[op].Load()
}

// ResetCounts sets every call count to zero.
func (e *ErrorFS) ResetCounts() {
	for i := range e.counts {
		e.counts[i].Store(0)
	}
}

// call counts a call of op on names and returns the rule that fails it, or
// nil.
func (e *ErrorFS) call(op Op, names ...string) *Rule {
	e.counts[op].Add(1)
	e.mu.Lock()
	defer e.mu.Unlock()
	var fired *Rule
	for _, state := range e.rules {
		if state.rule.Op != op || !state.rule.matches(names) {
			continue
		}
		state.matched++
		fires := state.matched == state.rule.Nth || (state.rule.Repeat && state.matched > state.rule.Nth)
		if fires && fired == nil {
			fired = &state.rule
		}
	}
	return fired
}

func (r *Rule) matches(names []string) bool {
	if r.Path == nil {
		return true
	}
	for _, name := range names {
		if r.Path(name) {
			return true
		}
	}
	return false
}

// pathError returns the error of a call failed by rule.
func pathError(rule *Rule, op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: &injectedError{err: rule.Err}}
}

// Create creates the named file through the wrapped FS, unless a rule fails
// the call.
func (e *ErrorFS) Create(name string) (File, error) {
	if rule := e.call(OpCreate, name); rule != nil {
		return nil, pathError(rule, "open", name)
	}
	file, err := e.inner.Create(name)
	return e.wrapFile(file, name, err)
}

// OpenAppend opens an existing file read-write through the wrapped FS,
// unless a rule fails the call.
func (e *ErrorFS) OpenAppend(name string) (File, error) {
	if rule := e.call(OpOpen, name); rule != nil {
		return nil, pathError(rule, "open", name)
	}
	file, err := e.inner.OpenAppend(name)
	return e.wrapFile(file, name, err)
}

// Open opens an existing file read-only through the wrapped FS, unless a
// rule fails the call.
func (e *ErrorFS) Open(name string) (File, error) {
	if rule := e.call(OpOpen, name); rule != nil {
		return nil, pathError(rule, "open", name)
	}
	file, err := e.inner.Open(name)
	return e.wrapFile(file, name, err)
}

// wrapFile wraps a File opened from the wrapped FS, passing an error
// through.
func (e *ErrorFS) wrapFile(file File, name string, err error) (File, error) {
	if err != nil {
		return nil, err
	}
	return &errorFile{fs: e, inner: file, name: name}, nil
}

// Remove removes name through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) Remove(name string) error {
	if rule := e.call(OpRemove, name); rule != nil {
		return pathError(rule, "remove", name)
	}
	return e.inner.Remove(name)
}

// Rename renames through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) Rename(oldname, newname string) error {
	if rule := e.call(OpRename, oldname, newname); rule != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: &injectedError{err: rule.Err}}
	}
	return e.inner.Rename(oldname, newname)
}

// MkdirAll creates dir through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) MkdirAll(dir string, perm os.FileMode) error {
	if rule := e.call(OpMkdirAll, dir); rule != nil {
		return pathError(rule, "mkdir", dir)
	}
	return e.inner.MkdirAll(dir, perm)
}

// List lists dir through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) List(dir string) ([]string, error) {
	if rule := e.call(OpList, dir); rule != nil {
		return nil, pathError(rule, "open", dir)
	}
	return e.inner.List(dir)
}

// Stat stats name through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) Stat(name string) (int64, error) {
	if rule := e.call(OpStat, name); rule != nil {
		return 0, pathError(rule, "stat", name)
	}
	return e.inner.Stat(name)
}

// SyncDir syncs dir through the wrapped FS, unless a rule fails the call.
func (e *ErrorFS) SyncDir(dir string) error {
	if rule := e.call(OpSyncDir, dir); rule != nil {
		return pathError(rule, "sync", dir)
	}
	return e.inner.SyncDir(dir)
}
