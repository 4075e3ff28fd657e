package firehose

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/firehose/sink"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// event is a checkpoint save or an object write, in the order they
// happened.
type event struct {
	ckpt string // checkpoint JSON, or "" for a put
	name string
	data []byte
}

type eventLog struct {
	mu     sync.Mutex
	events []event
}

func (l *eventLog) add(e event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// recordingStore logs every checkpoint the workers save.
type recordingStore struct {
	*storage.Store
	log *eventLog
}

func (r *recordingStore) UpdateStream(name string, fn func(*catalog.Stream) error) (catalog.Stream, error) {
	st, err := r.Store.UpdateStream(name, fn)
	if err == nil {
		if c, ok := st.Attrs[attrCheckpoint+"0"]; ok {
			r.log.add(event{ckpt: c})
		}
	}
	return st, err
}

// memBucket keeps objects in memory and logs every write.
type memBucket struct {
	mu      sync.Mutex
	objects map[string][]byte
	log     *eventLog
}

func (b *memBucket) Put(_ context.Context, name string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[name] = bytes.Clone(data)
	if b.log != nil {
		b.log.add(event{name: name, data: bytes.Clone(data)})
	}
	return nil
}

func (b *memBucket) lines() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := map[string]int{}
	for _, data := range b.objects {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			n[sc.Text()]++
		}
	}
	return n
}

// TestReplayFromEveryCheckpoint runs a delivery stream whose buffers are
// cut by time (so a replay, reading everything at once, would cut them
// elsewhere), with dynamic partitions; records every checkpoint save and
// object write; then, for crashes between every two saves, restores the
// bucket to what it held at that moment and the checkpoint to the first
// save, restarts, and checks that every record is in exactly one object.
func TestReplayFromEveryCheckpoint(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval int
		maxOpen  int
		maxBytes int
	}{
		{"time cuts", 0, 0, 0},
		{"evictions", 0, 2, 0},    // more partitions than open buffers
		{"memory cap", 0, 0, 100}, // cuts by buffered bytes
	} {
		t.Run(tc.name, func(t *testing.T) { testReplay(t, tc.interval, tc.maxOpen, tc.maxBytes) })
	}
}

func testReplay(t *testing.T, interval, maxOpen, maxBytes int) {
	dir := t.TempDir()
	st, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data"), Fsync: storage.FsyncNever})
	require.NoError(t, err)
	log := &eventLog{}
	bucket := &memBucket{objects: map[string][]byte{}, log: log}
	opts := Options{Buckets: map[string]sink.Bucket{"lake": bucket}, RetryBase: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, MaxOpenBuffers: maxOpen, MaxBufferedBytes: maxBytes}
	svc, err := New(&recordingStore{Store: st, log: log}, opts)
	require.NoError(t, err)
	ctx := ctxT(t)
	body := fmt.Sprintf(`{"DeliveryStreamName":"rp","ExtendedS3DestinationConfiguration":{
		"BucketARN":"arn:aws:s3:::lake","Prefix":"k=!{partitionKeyFromQuery:k}/","ErrorOutputPrefix":"err/",
		"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":%d},
		"DynamicPartitioningConfiguration":{"Enabled":true},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[
			{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{k:.k}"}]},
			{"Type":"AppendDelimiterToRecord"}]}}}`, interval)
	_, err = svc.Call(ctx, "CreateDeliveryStream", []byte(body))
	require.NoError(t, err)
	const total = 120
	for i := 0; i < total; i += 3 {
		var recs []string
		for j := i; j < i+3; j++ {
			recs = append(recs, fmt.Sprintf(`{"Data":"%s"}`, b64(fmt.Sprintf(`{"k":%d,"i":%d}`, j%5, j))))
		}
		_, err := svc.Call(ctx, "PutRecordBatch", []byte(`{"DeliveryStreamName":"rp","Records":[`+strings.Join(recs, ",")+`]}`))
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond) // small, time-cut buffers
	}
	waitFor(t, "first run", func() bool { return len(bucket.lines()) == total })
	require.NoError(t, svc.Close())

	log.mu.Lock()
	events := append([]event(nil), log.events...)
	log.mu.Unlock()
	var saves []int
	for i, e := range events {
		if e.ckpt != "" {
			saves = append(saves, i)
		}
	}
	require.Greater(t, len(saves), 5)
	tried := 0
	for si, at := range saves {
		end := len(events)
		if si+1 < len(saves) {
			end = saves[si+1]
		}
		// The crash happens just before the next save: every object
		// written until then exists; the checkpoint is save si.
		objects := map[string][]byte{}
		for _, e := range events[:end] {
			if e.ckpt == "" {
				objects[e.name] = e.data
			}
		}
		_, err := st.UpdateStream(HiddenPrefix+"rp", func(s *catalog.Stream) error {
			s.Attrs[attrCheckpoint+"0"] = events[at].ckpt
			return nil
		})
		require.NoError(t, err)
		replayBucket := &memBucket{objects: objects}
		svc2, err := New(st, Options{Buckets: map[string]sink.Bucket{"lake": replayBucket}, RetryBase: 5 * time.Millisecond, MaxOpenBuffers: maxOpen, MaxBufferedBytes: maxBytes})
		require.NoError(t, err)
		var got map[string]int
		waitFor(t, "replay", func() bool { got = replayBucket.lines(); return len(got) == total })
		time.Sleep(5 * time.Millisecond) // let a stray duplicate show
		got = replayBucket.lines()
		require.NoError(t, svc2.Close())
		for line, n := range got {
			require.Equal(t, 1, n, "crash before save %d of %d: %s delivered %d times", si+1, len(saves), line, n)
		}
		tried++
	}
	t.Logf("replayed from %d checkpoints", tried)
	require.NoError(t, st.Close())
}
