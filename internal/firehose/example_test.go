package firehose_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// Example shows how a server mounts delivery streams next to another AWS
// API on one port: route on X-Amz-Target, close the service before the
// store.
func Example() {
	dir, _ := os.MkdirTemp("", "eddy-example")
	defer os.RemoveAll(dir)
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data")})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	svc, err := firehose.New(store, firehose.Options{BucketDir: filepath.Join(dir, "firehose", "buckets")})
	if err != nil {
		panic(err)
	}
	defer svc.Close()

	var kinesisAPI http.Handler = http.NotFoundHandler() // the Kinesis handler in eddy serve
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if firehose.IsRequest(r) {
			svc.ServeHTTP(w, r)
			return
		}
		kinesisAPI.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(root)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 {"DeliveryStreamNames":[],"HasMoreDeliveryStreams":false}
}
