package kinesis

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Authentication: the first of the two security hooks of the request path
// (docs/security-design.md). ServeHTTP calls authenticate once the body
// is read and before anything decodes it; with a Verifier configured,
// every request must carry a valid SigV4 signature of a configured key,
// and the signer's identity travels in the request context to the second
// hook, authorize (policy.go).

// Verifier authenticates requests; *auth.Verifier satisfies it.
type Verifier interface {
	// Verify checks r's signature over body (already read in full) and
	// returns the signer, or an *auth.Error.
	Verify(r *http.Request, body []byte) (auth.Identity, error)
}

// requestFacts are the facts about a request that policy conditions test
// (aws:SourceIp, aws:SecureTransport, aws:CurrentTime).
type requestFacts struct {
	sourceIP netip.Addr
	secure   bool
	time     time.Time
}

type factsKey struct{}

func withRequestFacts(ctx context.Context, f requestFacts) context.Context {
	return context.WithValue(ctx, factsKey{}, f)
}

func requestFactsFrom(ctx context.Context) requestFacts {
	f, _ := ctx.Value(factsKey{}).(requestFacts)
	return f
}

// remoteAddr returns the IP address of r's TCP peer, or the zero Addr.
// X-Forwarded-For is not trusted.
func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// authenticate verifies r and returns its context carrying the signer's
// identity and the facts policy conditions need. On failure it writes
// AWS's error (HTTP 400) and returns false. Without a Verifier it accepts
// r unchanged (authentication off).
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, req *awsproto.Request) (context.Context, bool) {
	ctx := r.Context()
	if h.opts.Verifier == nil {
		return ctx, true
	}
	f := req.Format
	id, err := h.opts.Verifier.Verify(r, req.Body)
	if err != nil {
		var e *auth.Error
		if !errors.As(err, &e) {
			awsproto.WriteError(w, f, awsproto.InternalFailure())
			return ctx, false
		}
		awsproto.WriteError(w, f, awsproto.NewError(e.Type, e.Message))
		return ctx, false
	}
	ctx = auth.NewContext(ctx, id)
	return withRequestFacts(ctx, requestFacts{sourceIP: remoteAddr(r), secure: r.TLS != nil, time: h.opts.Now()}), true
}
