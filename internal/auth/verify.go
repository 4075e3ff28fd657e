package auth

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxSkew is how far a request's signing time may be from the
// server's clock, as on AWS.
const DefaultMaxSkew = 5 * time.Minute

// Options configure a Verifier. The zero value of a field means its
// default.
type Options struct {
	// Keys are the accepted access keys; see ValidateKeys. None means no
	// request can authenticate.
	Keys []Key
	// AccountID is the account of principals given by name, in their ARNs
	// (see Key.ARN). Default 000000000000.
	AccountID string
	// Region is the region a credential scope must name. Empty accepts any.
	Region string
	// Services are the service names a credential scope may name
	// ("kinesis", "firehose"); the first is the one error messages
	// suggest. Empty accepts any.
	Services []string
	// MaxSkew bounds the difference between a request's signing time and
	// Now. Default 5 minutes.
	MaxSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
	// in the Authorization-header form, which leaves the body unsigned.
	// AWS accepts it only for S3 and presigned requests; so does Eddy by
	// default. Presigned requests may always use it.
	AllowUnsignedPayload bool
	// RejectReplays refuses a header-signed request whose signature was
	// already accepted within the skew window (InvalidSignatureException).
	// AWS does not do this; turn it on when requests cross untrusted
	// networks without TLS. Clients must then never resend identical
	// signed bytes: the AWS SDKs re-sign every attempt and sign the
	// amz-sdk-request header, which counts attempts, so their retries
	// pass. Presigned URLs are bearer tokens until they expire and are not
	// tracked.
	RejectReplays bool
	// ReplayCacheSize bounds the signatures remembered under
	// RejectReplays. When it is reached, new requests are refused with
	// ThrottlingException until old signatures age out. Default 1<<20
	// (80 bytes a signature: 80 MiB, up to twice that while generations
	// turn over).
	ReplayCacheSize int
}

func (o *Options) ensureDefaults() {
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReplayCacheSize <= 0 {
		o.ReplayCacheSize = 1 << 20
	}
}

// Verifier checks SigV4 signatures against configured keys. It is safe for
// concurrent use.
type Verifier struct {
	opts   Options
	keys   *atomic.Pointer[keySet] // shared with WithServices views
	replay *replayCache            // nil unless RejectReplays
}

// keySet is an immutable set of keys with a cache of derived signing keys.
type keySet struct {
	byID      map[string]Key
	accountID string

	mu      sync.Mutex
	derived map[derivedKeyID][]byte
}

type derivedKeyID struct{ accessKeyID, date, region, service string }

// maxDerivedKeys bounds the signing-key cache; it is emptied when full.
const maxDerivedKeys = 4096

// NewVerifier returns a Verifier for opts. It fails if a key is invalid
// (see ValidateKeys).
func NewVerifier(opts Options) (*Verifier, error) {
	opts.ensureDefaults()
	v := &Verifier{opts: opts, keys: new(atomic.Pointer[keySet])}
	if err := v.SetKeys(opts.Keys); err != nil {
		return nil, err
	}
	v.opts.Keys = nil // the key set is the one source of keys
	if opts.RejectReplays {
		v.replay = newReplayCache(2*opts.MaxSkew+time.Second, opts.ReplayCacheSize)
	}
	return v, nil
}

// SetKeys replaces the accepted keys, e.g. when the configuration is
// reloaded. It fails, changing nothing, if a key is invalid.
func (v *Verifier) SetKeys(keys []Key) error {
	if errs := ValidateKeys(keys); len(errs) > 0 {
		return fmt.Errorf("invalid keys: %w", errors.Join(errs...))
	}
	set := &keySet{byID: make(map[string]Key, len(keys)), accountID: v.opts.AccountID, derived: map[derivedKeyID][]byte{}}
	for _, k := range keys {
		set.byID[k.AccessKeyID] = k
	}
	v.keys.Store(set)
	return nil
}

// WithServices returns a Verifier that accepts the given scope services
// and otherwise shares v's keys, options and replay cache: one per API
// served ("kinesis", "firehose") on the same port.
func (v *Verifier) WithServices(services ...string) *Verifier {
	w := *v
	w.opts.Services = slices.Clone(services)
	return &w
}

// Verify checks the SigV4 signature of r, whose body the caller has read
// in full into body (r.Body is not read). It returns the identity that
// signed it, or an *Error with AWS's error type and message. See the
// package documentation for the order of checks.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	id, err := v.verify(r, body)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func (v *Verifier) verify(r *http.Request, body []byte) (Identity, *Error) {
	sig, err := extract(r)
	if err != nil {
		return Identity{}, err
	}
	signedAt, err := sig.signingTime()
	if err != nil {
		return Identity{}, err
	}
	expires, hasExpires, err := sig.expiry()
	if err != nil {
		return Identity{}, err
	}
	now := v.opts.Now().UTC()
	skew := v.opts.MaxSkew
	switch {
	case signedAt.After(now.Add(skew)):
		return Identity{}, notYetCurrentError(signedAt, now, skew)
	case hasExpires && now.After(signedAt.Add(expires)):
		return Identity{}, expiredError(signedAt, now, expires)
	case !hasExpires && signedAt.Before(now.Add(-skew)):
		return Identity{}, expiredError(signedAt, now, skew)
	}
	names := signedHeaderNames(sig.signedHeaders)
	if !slices.Contains(names, "host") && !slices.Contains(names, ":authority") {
		return Identity{}, newError(TypeInvalidSignature, ReasonMalformed, messageHostNotSigned)
	}
	if sig.algorithm != Algorithm {
		return Identity{}, errorf(TypeIncompleteSignature, ReasonMalformed,
			"Unsupported AWS 'algorithm': '%s' (only %s for now). ", sig.algorithm, Algorithm)
	}
	cred, err := parseCredential(sig.credential)
	if err != nil {
		return Identity{}, err
	}
	amzDate := formatTime(signedAt)
	if err := v.checkScope(cred, amzDate); err != nil {
		return Identity{}, err
	}
	keys := v.keys.Load()
	key, ok := keys.byID[cred.accessKeyID]
	if !ok {
		return Identity{}, newError(TypeUnrecognizedClient, ReasonUnknownKey, messageUnrecognizedToken)
	}
	hashes, err := v.payloadHashes(r, sig, body)
	if err != nil {
		return Identity{}, err
	}
	signingKey := keys.signingKey(key, cred)
	scope := cred.scope()
	var canonical, toSign string
	matched := false
	for _, hash := range hashes {
		canonical = canonicalRequest(r, sig.query, sig.presigned, sig.signedHeaders, names, hash)
		toSign = stringToSign(amzDate, scope, canonical)
		want := hex.EncodeToString(hmacSHA256(signingKey, toSign))
		if hmac.Equal([]byte(want), []byte(sig.signature)) {
			matched = true
			break
		}
	}
	if !matched {
		e := newError(TypeInvalidSignature, ReasonSignature, messageSignatureMismatch)
		e.Detail = "canonical request:\n" + canonical + "\nstring to sign:\n" + toSign
		return Identity{}, e
	}
	if v.replay != nil && !sig.presigned {
		if err := v.replay.check(sig.signature, now); err != nil {
			return Identity{}, err
		}
	}
	return Identity{
		AccessKeyID:  key.AccessKeyID,
		Principal:    key.Principal,
		PrincipalARN: key.ARN(keys.accountID),
		Region:       cred.region,
		Service:      cred.service,
		SigningTime:  signedAt,
		Presigned:    sig.presigned,
	}, nil
}

// checkScope checks the credential scope's region, service, terminator and
// date, listing every mismatch in one message as AWS does.
func (v *Verifier) checkScope(c credential, amzDate string) *Error {
	var msgs []string
	if v.opts.Region != "" && c.region != v.opts.Region {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", c.region))
	}
	if len(v.opts.Services) > 0 && !slices.Contains(v.opts.Services, c.service) {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.opts.Services[0]))
	}
	if c.terminator != "aws4_request" {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", c.terminator))
	}
	if c.date != amzDate[:8] {
		msgs = append(msgs, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			c.date, amzDate[:8], amzDate))
	}
	if len(msgs) == 0 {
		return nil
	}
	return newError(TypeInvalidSignature, ReasonScope, strings.Join(msgs, " "))
}

// payloadHashes returns the payload hashes the signature may have been
// computed over, most likely first.
func (v *Verifier) payloadHashes(r *http.Request, sig signature, body []byte) ([]string, *Error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == "" && sig.presigned {
		declared = sig.query.Get("X-Amz-Content-Sha256")
	}
	switch {
	case declared == "" && sig.presigned:
		// Presigners sign either the body's hash or UNSIGNED-PAYLOAD
		// without saying which.
		return []string{payloadSHA256(body), UnsignedPayload}, nil
	case declared == "":
		return []string{payloadSHA256(body)}, nil
	case declared == UnsignedPayload:
		if !sig.presigned && !v.opts.AllowUnsignedPayload {
			return nil, newError(TypeInvalidSignature, ReasonPayloadHash,
				"The 'x-amz-content-sha256' header value 'UNSIGNED-PAYLOAD' is not accepted; sign the request payload.")
		}
		return []string{UnsignedPayload}, nil
	case strings.HasPrefix(declared, "STREAMING-"):
		return nil, errorf(TypeInvalidSignature, ReasonPayloadHash,
			"Chunked payload signing ('x-amz-content-sha256: %s') is not supported; sign the whole payload.", declared)
	case len(declared) != 64 || !isHex(declared):
		return nil, newError(TypeInvalidSignature, ReasonPayloadHash,
			"The 'x-amz-content-sha256' header must be the hex-encoded SHA-256 of the payload or 'UNSIGNED-PAYLOAD'.")
	case !strings.EqualFold(declared, payloadSHA256(body)):
		return nil, newError(TypeInvalidSignature, ReasonPayloadHash,
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return []string{declared}, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// signingKey returns the derived signing key of key for the credential's
// scope, from the cache when it can.
func (s *keySet) signingKey(key Key, c credential) []byte {
	id := derivedKeyID{key.AccessKeyID, c.date, c.region, c.service}
	s.mu.Lock()
	k, ok := s.derived[id]
	s.mu.Unlock()
	if ok {
		return k
	}
	k = deriveKey(key.SecretAccessKey, c.date, c.region, c.service)
	s.mu.Lock()
	if len(s.derived) >= maxDerivedKeys {
		clear(s.derived)
	}
	s.derived[id] = k
	s.mu.Unlock()
	return k
}
