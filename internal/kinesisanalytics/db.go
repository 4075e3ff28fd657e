package kinesisanalytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// db keeps application definitions in a bbolt file: one bucket, the
// application name as key, its JSON definition as value. Every change is
// one transaction, so after a crash a definition is either the old one or
// the new one.
type db struct {
	bolt *bbolt.DB
}

var bucketApplications = []byte("applications")

// errNotStored is returned by db.get for an unknown application.
var errNotStored = errors.New("application not found")

func openDB(path string) (*db, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create analytics directory: %w", err)
	}
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open application catalog %s: %w", path, err)
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketApplications)
		return err
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open application catalog: %w", err)
	}
	return &db{bolt: b}, nil
}

func (d *db) close() error { return d.bolt.Close() }

// all returns every stored application, by name.
func (d *db) all() ([]*application, error) {
	var out []*application
	err := d.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketApplications).ForEach(func(k, v []byte) error {
			a := &application{}
			if err := json.Unmarshal(v, a); err != nil {
				return fmt.Errorf("decode application %s: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// put stores a definition; create fails if the name is taken.
func (d *db) put(a *application, create bool) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return d.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketApplications)
		if create && b.Get([]byte(a.Name)) != nil {
			return errExists
		}
		return b.Put([]byte(a.Name), v)
	})
}

var errExists = errors.New("application exists")

func (d *db) delete(name string) error {
	return d.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketApplications).Delete([]byte(name))
	})
}
