package auth

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var errorTypes = []string{TypeMissingAuthToken, TypeIncompleteSignature, TypeInvalidSignature, TypeUnrecognizedClient}

// FuzzParseAuthorization checks that the Authorization header parser never
// panics and that what it returns is consistent with its input.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIA/20260314/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=a,SignedHeaders=b,Signature=c")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b Signature, SignedHeaders=")
	f.Add("AWS4-X Credential==,,,=  ")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := parseAuthorization(header)
		if err != nil {
			if err.Type != TypeIncompleteSignature {
				t.Fatalf("error type %s", err.Type)
			}
			return
		}
		for _, v := range []string{sig.credential, sig.signedHeaders, sig.signature} {
			if strings.ContainsAny(v, ", \t") || !strings.Contains(header, v) {
				t.Fatalf("value %q not a field of %q", v, header)
			}
		}
		if _, err := parseCredential(sig.credential); err == nil {
			c, _ := parseCredential(sig.credential)
			if strings.Count(c.scope(), "/") != 3 {
				t.Fatalf("scope %q", c.scope())
			}
		}
		_ = signedHeaderNames(sig.signedHeaders)
	})
}

// FuzzVerify checks that arbitrary credentials never panic the verifier,
// never authenticate, and always fail with one of AWS's error types.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAALICE0000000/20260314/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"20260314T150926Z", "", "body")
	f.Add("", "20260314T150926Z", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAALICE0000000%2F20260314%2Fus-east-1%2Fkinesis%2Faws4_request"+
		"&X-Amz-Date=20260314T150926Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "")
	f.Add("AWS4-HMAC-SHA256 Credential=//////", "x", "X-Amz-Expires=-0", "")
	f.Fuzz(func(t *testing.T, authorization, date, query, body string) {
		v, err := NewVerifier(Options{Keys: []Key{aliceKey}, Region: "us-east-1", Services: []string{"kinesis"},
			Now: func() time.Time { return testNow }, RejectReplays: true})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Authorization", authorization)
		r.Header.Set("X-Amz-Date", date)
		r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte(body)))
		_, verr := v.Verify(r, []byte(body))
		e, ok := verr.(*Error)
		if !ok || !slices.Contains(errorTypes, e.Type) || e.Message == "" {
			t.Fatalf("Verify = %v", verr)
		}
	})
}

// FuzzVerifySDKRoundTrip signs arbitrary requests with the AWS SDK's signer,
// writes them to the wire and reads them back as a server does, and checks
// that Verify accepts them: a differential test of the canonical request.
func FuzzVerifySDKRoundTrip(f *testing.F) {
	f.Add("POST", "/", "", "application/x-amz-json-1.1", []byte(`{"StreamName":"s"}`))
	f.Add("GET", "/a b/%2F/ü/", "b=2&a=1&a=0&c", "  spaced   out  ", []byte{})
	f.Add("PUT", "//x/./../y", "k=%E2%82%AC&k=+&~=*", "\tv", []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, method, path, query, value string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		u := &url.URL{Scheme: "http", Host: "example.com:4567", Path: path, RawQuery: query}
		r, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
		if err != nil || !validHeaderValue(value) || r.URL.Path != path {
			return
		}
		r.Header.Set("X-Fuzz", value)
		if len(body) == 0 {
			r.Body, r.ContentLength = http.NoBody, 0
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), aliceCred, r, hashHex(body), "kinesis", "us-east-1", testNow); err != nil {
			t.Fatal(err)
		}
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			return
		}
		got, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return
		}
		gotBody, err := io.ReadAll(got.Body)
		if err != nil || !bytes.Equal(gotBody, body) {
			return
		}
		v, err := NewVerifier(Options{Keys: []Key{aliceKey}, Region: "us-east-1", Services: []string{"kinesis"}, Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(got, gotBody); err != nil {
			t.Fatalf("%s %q (query %q, header %q): %v\n%s", method, path, query, value, err, err.(*Error).Detail)
		}
	})
}

// validHeaderValue reports whether net/http sends v: no control
// characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
