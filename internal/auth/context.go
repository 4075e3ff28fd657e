package auth

import (
	"context"
	"time"
)

// Identity is who signed a request, as Verify found it.
type Identity struct {
	// AccessKeyID is the key that signed.
	AccessKeyID string
	// Principal is the key's principal name from the configuration.
	Principal string
	// PrincipalARN is the principal's ARN (see Key.ARN); policies match it.
	PrincipalARN string
	// Region and Service are the credential scope's.
	Region  string
	Service string
	// SigningTime is the request's X-Amz-Date (or Date).
	SigningTime time.Time
	// Presigned is set for the query-string form.
	Presigned bool
}

type identityKey struct{}

// NewContext returns ctx carrying id, for handlers past the verifier.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity NewContext stored, and whether there is
// one (there is none when authentication is off).
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}
