package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Requests from AWS's published SigV4 test suite and S3 documentation,
// with the signatures published there.
func TestPublishedVectors(t *testing.T) {
	suiteKey := Key{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Principal: "example"}
	suiteTime := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	suiteAuth := func(signedHeaders, signature string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
			signedHeaders + ", Signature=" + signature
	}
	tests := []struct {
		name    string
		key     Key
		now     time.Time
		method  string
		target  string
		host    string
		headers map[string]string
	}{
		{
			name: "get-vanilla", key: suiteKey, now: suiteTime, method: "GET", target: "/", host: "example.amazonaws.com",
			headers: map[string]string{"X-Amz-Date": "20150830T123600Z",
				"Authorization": suiteAuth("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
		},
		{
			name: "post-vanilla", key: suiteKey, now: suiteTime, method: "POST", target: "/", host: "example.amazonaws.com",
			headers: map[string]string{"X-Amz-Date": "20150830T123600Z",
				"Authorization": suiteAuth("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
		},
		{
			name: "get-vanilla-query-order-key-case", key: suiteKey, now: suiteTime, method: "GET",
			target: "/?Param2=value2&Param1=value1", host: "example.amazonaws.com",
			headers: map[string]string{"X-Amz-Date": "20150830T123600Z",
				"Authorization": suiteAuth("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")},
		},
		{
			name: "s3-get-object-with-content-sha256",
			key:  Key{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Principal: "example"},
			now:  time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC), method: "GET", target: "/test.txt", host: "examplebucket.s3.amazonaws.com",
			headers: map[string]string{
				"X-Amz-Date":           "20130524T000000Z",
				"Range":                "bytes=0-9",
				"X-Amz-Content-Sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
					"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
					"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(Options{Keys: []Key{tt.key}, Region: "us-east-1", Now: func() time.Time { return tt.now }})
			require.NoError(t, err)
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = tt.host
			for k, val := range tt.headers {
				r.Header.Set(k, val)
			}
			id, err := v.Verify(r, nil)
			require.NoError(t, err)
			require.Equal(t, tt.key.AccessKeyID, id.AccessKeyID)
			require.Equal(t, "arn:aws:iam::000000000000:user/example", id.PrincipalARN)

			// Any change of the signature is refused.
			auth := r.Header.Get("Authorization")
			r.Header.Set("Authorization", auth[:len(auth)-1]+strings.Map(func(c rune) rune {
				if c == '0' {
					return '1'
				}
				return '0'
			}, auth[len(auth)-1:]))
			_, err = v.Verify(r, nil)
			requireAuthError(t, err, TypeInvalidSignature, messageSignatureMismatch)
		})
	}
}

func TestCanonicalEncoding(t *testing.T) {
	require.Equal(t, "/", uriEncode("/", false))
	require.Equal(t, "/a%2520b/%25C3%25BC", uriEncode("/a%20b/%C3%BC", false))
	require.Equal(t, "a%2Fb%20c~d.e_f-g%2B", uriEncode("a/b c~d.e_f-g+", true))
	require.Equal(t, "a b", foldSpaces("  a    b "))
	require.Equal(t, "a\tb", foldSpaces("a\tb"))
	require.Equal(t, "A=1&a=0&a=2&b=", canonicalQuery(map[string][]string{"a": {"2", "0"}, "A": {"1"}, "b": {""}}, false))
	require.Equal(t, "X-Amz-Date=1", canonicalQuery(map[string][]string{"X-Amz-Date": {"1"}, "X-Amz-Signature": {"s"}}, true))
}

func requireAuthError(t *testing.T, err error, typ, message string) *Error {
	t.Helper()
	require.Error(t, err)
	e, ok := err.(*Error)
	require.True(t, ok, "error %T %v is not *auth.Error", err, err)
	require.Equal(t, typ, e.Type, "message: %s", e.Message)
	if message != "" {
		require.Equal(t, message, e.Message)
	}
	return e
}
