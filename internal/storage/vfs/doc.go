// Package vfs is the filesystem seam of Eddy's data log. The storage engine
// creates, appends to, reads, syncs, truncates, renames and removes its
// segment and index files only through an FS, so that tests can run it on a
// filesystem that loses unsynced data in a simulated power loss (MemFS) or
// fails chosen calls (ErrorFS). Default is the operating system's.
//
// # What is durable when
//
// The model is POSIX's with no help from the filesystem, the one MemFS
// enforces:
//
//   - A file's bytes are durable once File.Sync returns. Bytes written
//     after the last Sync may be lost in a crash (Crash loses them all;
//     CrashKeepRandomPrefix keeps a random prefix and may tear it).
//   - A directory entry is durable once FS.SyncDir of its directory
//     returns. Until then a crash undoes every Create (the file is gone,
//     however often it was synced), Rename (the file is back under its old
//     name) and Remove (the file is back, with the bytes of its last Sync)
//     made in that directory. A Rename across directories needs both synced.
//   - A directory made by MkdirAll is an entry of its parent like any other:
//     sync the parent, or the directory and all below it vanish in a crash.
//   - Truncate, and Create of an existing file, change the file's bytes and
//     are durable after the next File.Sync.
//
// So a new segment is durable after Create, Write, File.Sync and SyncDir of
// its directory, and a small file is replaced atomically by writing a
// temporary file, syncing and closing it, renaming it over the old name and
// syncing the directory: a crash then finds either the old or the new
// contents, never a mix.
//
// # Concurrency
//
// FS and File methods are safe for concurrent use. Many goroutines may
// ReadAt a file while one appends to it and another syncs it; a ReadAt sees
// every byte whose Write returned before the ReadAt began. Files opened with
// Create and OpenAppend are in append mode, so writes never need an offset.
// Open files keep working after their name is removed or renamed.
//
// # Which FS to use
//
// Production code uses Default. Tests of the storage engine use NewMem: it
// is fast, needs no temporary directory, and its Crash and
// CrashKeepRandomPrefix give the state a restarted process would find after a
// power loss, to check recovery against what was acknowledged. Wrap either in
// NewErrorFS to fail a chosen call (a sync, a short write, a full disk) and to
// count calls, for instance to check that group commit shares fsyncs:
//
//	mem := vfs.NewMem()
//	efs := vfs.NewErrorFS(mem)
//	efs.Inject(vfs.Rule{Op: vfs.OpSync, Nth: 2, Err: syscall.ENOSPC})
//	// ... run the engine on efs, then:
//	after := mem.Crash() // reopen the engine on after and check recovery
package vfs
