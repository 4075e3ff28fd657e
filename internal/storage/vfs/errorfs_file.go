package vfs

// errorFile is a File opened through an ErrorFS: its calls are counted and
// may be failed by the ErrorFS's rules.
type errorFile struct {
	fs    *ErrorFS
	inner File
	name  string
}

func (f *errorFile) Write(p []byte) (int, error) {
	rule := f.fs.call(OpWrite, f.name)
	if rule == nil {
		return f.inner.Write(p)
	}
	partial := min(max(rule.PartialWrite, 0), len(p))
	if partial > 0 {
		n, err := f.inner.Write(p[:partial])
		if err != nil {
			return n, err
		}
	}
	return partial, pathError(rule, "write", f.name)
}

func (f *errorFile) ReadAt(p []byte, off int64) (int, error) {
	if rule := f.fs.call(OpRead, f.name); rule != nil {
		return 0, pathError(rule, "read", f.name)
	}
	return f.inner.ReadAt(p, off)
}

func (f *errorFile) Sync() error {
	if rule := f.fs.call(OpSync, f.name); rule != nil {
		return pathError(rule, "sync", f.name)
	}
	return f.inner.Sync()
}

func (f *errorFile) Truncate(size int64) error {
	if rule := f.fs.call(OpTruncate, f.name); rule != nil {
		return pathError(rule, "truncate", f.name)
	}
	return f.inner.Truncate(size)
}

func (f *errorFile) Size() (int64, error) {
	if rule := f.fs.call(OpStat, f.name); rule != nil {
		return 0, pathError(rule, "stat", f.name)
	}
	return f.inner.Size()
}

// Close closes the wrapped file even when a rule fails the call, as close(2)
// releases the descriptor whatever it returns.
func (f *errorFile) Close() error {
	err := f.inner.Close()
	if rule := f.fs.call(OpClose, f.name); rule != nil {
		return pathError(rule, "close", f.name)
	}
	return err
}
