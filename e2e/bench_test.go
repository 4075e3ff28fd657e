package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/eddy-streaming/eddy/internal/config"
)

// BenchmarkPutRecordsHTTP measures PutRecords of 500 × 1 KiB records over
// HTTP (JSON, fsync=always) from parallel clients. Bytes are record data.
func BenchmarkPutRecordsHTTP(b *testing.B) {
	for _, fsync := range []string{"always", "never"} {
		b.Run("fsync="+fsync, func(b *testing.B) {
			cfg := config.Default()
			cfg.Listen = "127.0.0.1:0"
			cfg.DataDir = b.TempDir()
			cfg.StatusDelay = 0
			cfg.Fsync = fsync
			ts := startServerB(b, cfg)
			_, _, body := rawCallB(b, ts, "CreateStream", []byte(`{"StreamName":"bench","ShardCount":4}`))
			_ = body

			records := make([]map[string]string, 500)
			data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 1024))
			for i := range records {
				records[i] = map[string]string{"Data": data, "PartitionKey": fmt.Sprintf("key-%d", i)}
			}
			req, _ := json.Marshal(map[string]any{"StreamName": "bench", "Records": records})
			b.SetBytes(500 * 1024)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					status, _, out := rawCallB(b, ts, "PutRecords", req)
					if status != 200 || bytes.Contains(out, []byte(`"FailedRecordCount":1`)) {
						b.Errorf("status %d: %.200s", status, out)
						return
					}
				}
			})
		})
	}
}

func startServerB(b *testing.B, cfg config.Config) string {
	s, err := newServer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(b.Context()) })
	return "http://" + s.Addr()
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func rawCallB(b *testing.B, url, op string, body []byte) (int, http.Header, []byte) {
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Authorization", fakeAuth)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Error(err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}
