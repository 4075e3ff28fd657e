// Package keyring holds the local master keys that stand in for AWS KMS
// keys in stream encryption at rest. A stream names a KMS key ID (a key ID,
// a key ARN, an alias name or an alias ARN); the keyring maps it to a list
// of 256-bit key versions. The newest version encrypts new data; every
// version stays available to decrypt what it encrypted, so rotation never
// makes older data unreadable.
//
// The keyring is a JSON file (see docs/format/keyring.md), written
// atomically (temporary file, fsync, rename, directory fsync) with mode
// 0600. Operators may edit it by hand; the file is re-read when it changes.
//
// A Keyring is safe for concurrent use.
package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// ErrKeyNotFound is returned (wrapped) for a key ID or version the keyring
// does not hold.
var ErrKeyNotFound = errors.New("key not found in keyring")

// KeySize is the size of every master key version, in bytes.
const KeySize = 32

// File is the keyring file's JSON document.
type File struct {
	Keys []Key `json:"keys"`
}

// Key is one master key with its versions.
type Key struct {
	// ID is the key's primary name, e.g. a KMS key ARN or a UUID.
	ID string `json:"id"`
	// Aliases are further names, e.g. "alias/my-stream-key".
	Aliases []string `json:"aliases,omitempty"`
	// Versions are the key material, oldest first; versions are numbered
	// from 1 and never reused.
	Versions []Version `json:"versions"`
}

// Version is one key version.
type Version struct {
	Version uint32    `json:"version"`
	Key     string    `json:"key"` // base64 (standard) of 32 bytes
	Created time.Time `json:"created"`
}

// Keyring is a keyring backed by a file.
type Keyring struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	byName  map[string]*loadedKey
	doc     File
}

type loadedKey struct {
	id       string
	versions map[uint32][]byte
	latest   uint32
}

// Open opens the keyring at path. A missing file is an empty keyring; it is
// created on the first Create.
func Open(path string) (*Keyring, error) {
	k := &Keyring{path: path}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reloadLocked(true); err != nil {
		return nil, err
	}
	return k, nil
}

// Path returns the keyring file's path.
func (k *Keyring) Path() string { return k.path }

// reloadLocked re-reads the file if it changed since the last read.
func (k *Keyring) reloadLocked(force bool) error {
	info, err := os.Stat(k.path)
	if errors.Is(err, os.ErrNotExist) {
		k.byName, k.doc = map[string]*loadedKey{}, File{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat keyring: %w", err)
	}
	if !force && info.ModTime().Equal(k.modTime) && info.Size() == k.size {
		return nil
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("read keyring: %w", err)
	}
	var doc File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("parse keyring %s: %w", k.path, err)
	}
	byName, err := index(doc)
	if err != nil {
		return fmt.Errorf("keyring %s: %w", k.path, err)
	}
	k.byName, k.doc, k.modTime, k.size = byName, doc, info.ModTime(), info.Size()
	return nil
}

func index(doc File) (map[string]*loadedKey, error) {
	byName := map[string]*loadedKey{}
	for _, key := range doc.Keys {
		if key.ID == "" {
			return nil, errors.New("a key has no id")
		}
		lk := &loadedKey{id: key.ID, versions: map[uint32][]byte{}}
		for _, v := range key.Versions {
			raw, err := base64.StdEncoding.DecodeString(v.Key)
			if err != nil || len(raw) != KeySize {
				return nil, fmt.Errorf("key %s version %d: want %d bytes of base64", key.ID, v.Version, KeySize)
			}
			if v.Version == 0 {
				return nil, fmt.Errorf("key %s: version numbers start at 1", key.ID)
			}
			if _, dup := lk.versions[v.Version]; dup {
				return nil, fmt.Errorf("key %s: version %d twice", key.ID, v.Version)
			}
			lk.versions[v.Version] = raw
			lk.latest = max(lk.latest, v.Version)
		}
		if len(lk.versions) == 0 {
			return nil, fmt.Errorf("key %s has no versions", key.ID)
		}
		for _, name := range append([]string{key.ID}, key.Aliases...) {
			if _, dup := byName[name]; dup {
				return nil, fmt.Errorf("name %q used by two keys", name)
			}
			byName[name] = lk
		}
	}
	return byName, nil
}

func (k *Keyring) lookup(name string) (*loadedKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reloadLocked(false); err != nil {
		return nil, err
	}
	lk := k.byName[name]
	if lk == nil {
		return nil, fmt.Errorf("%q: %w", name, ErrKeyNotFound)
	}
	return lk, nil
}

// Current returns the newest version of the named key, to encrypt with.
func (k *Keyring) Current(name string) (uint32, []byte, error) {
	lk, err := k.lookup(name)
	if err != nil {
		return 0, nil, err
	}
	return lk.latest, lk.versions[lk.latest], nil
}

// Key returns one version of the named key, to decrypt with.
func (k *Keyring) Key(name string, version uint32) ([]byte, error) {
	lk, err := k.lookup(name)
	if err != nil {
		return nil, err
	}
	key := lk.versions[version]
	if key == nil {
		return nil, fmt.Errorf("%q version %d: %w", name, version, ErrKeyNotFound)
	}
	return key, nil
}

// Has reports whether the keyring knows the name.
func (k *Keyring) Has(name string) bool {
	_, err := k.lookup(name)
	return err == nil
}

// Create adds a new key with a random first version under id and the given
// aliases, and saves the file. It fails if any name is taken.
func (k *Keyring) Create(id string, aliases ...string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reloadLocked(false); err != nil {
		return err
	}
	for _, name := range append([]string{id}, aliases...) {
		if k.byName[name] != nil {
			return fmt.Errorf("key name %q already exists", name)
		}
	}
	v, err := newVersion(1)
	if err != nil {
		return err
	}
	doc := k.doc
	doc.Keys = append(slices.Clone(doc.Keys), Key{ID: id, Aliases: aliases, Versions: []Version{v}})
	return k.saveLocked(doc)
}

// Rotate adds a new random version to the named key and returns its
// number. Older versions stay to decrypt older data.
func (k *Keyring) Rotate(name string) (uint32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reloadLocked(false); err != nil {
		return 0, err
	}
	lk := k.byName[name]
	if lk == nil {
		return 0, fmt.Errorf("%q: %w", name, ErrKeyNotFound)
	}
	v, err := newVersion(lk.latest + 1)
	if err != nil {
		return 0, err
	}
	doc := File{Keys: slices.Clone(k.doc.Keys)}
	for i := range doc.Keys {
		if doc.Keys[i].ID == lk.id {
			doc.Keys[i].Versions = append(slices.Clone(doc.Keys[i].Versions), v)
		}
	}
	if err := k.saveLocked(doc); err != nil {
		return 0, err
	}
	return v.Version, nil
}

func newVersion(n uint32) (Version, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Version{}, fmt.Errorf("generate key: %w", err)
	}
	return Version{Version: n, Key: base64.StdEncoding.EncodeToString(raw), Created: time.Now().UTC()}, nil
}

func (k *Keyring) saveLocked(doc File) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		return fmt.Errorf("create keyring directory: %w", err)
	}
	tmp := k.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write keyring: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write keyring: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync keyring: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close keyring: %w", err)
	}
	if err := os.Rename(tmp, k.path); err != nil {
		return fmt.Errorf("rename keyring: %w", err)
	}
	if d, err := os.Open(filepath.Dir(k.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return k.reloadLocked(true)
}
