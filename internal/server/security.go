package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/keyring"
	"github.com/eddy-streaming/eddy/internal/kinesis"
	"github.com/eddy-streaming/eddy/internal/policy"
)

// security holds what the server needs for docs/security.md: the keyring
// of encrypted streams, the SigV4 verifier (nil with auth off), and the
// metrics of both hooks. The Kinesis handler runs the hooks itself; other
// AWS APIs on the same port go through guard.
type security struct {
	cfg      config.Config
	logger   *slog.Logger
	keyring  *keyring.Keyring
	verifier *auth.Verifier
	// authRequests counts authentication outcomes: result ok or refused,
	// reason an auth.Reason ("" when ok).
	authRequests *prometheus.CounterVec
	// authzDenied counts refused authorizations by IAM action.
	authzDenied *prometheus.CounterVec
}

func newSecurity(cfg config.Config, logger *slog.Logger) (*security, error) {
	kr, err := keyring.Open(cfg.KeyringPath())
	if err != nil {
		return nil, err
	}
	sec := &security{
		cfg: cfg, logger: logger, keyring: kr,
		authRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eddy_auth_requests_total",
			Help: "API requests checked by SigV4 authentication, by result (ok, refused) and reason of refusal.",
		}, []string{"result", "reason"}),
		authzDenied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eddy_authz_denied_total",
			Help: "Authenticated API requests refused by authorization (resource policies), by IAM action.",
		}, []string{"action"}),
	}
	if cfg.Auth.Enabled {
		sec.verifier, err = auth.NewVerifier(auth.Options{
			Keys:          cfg.Auth.Keys,
			AccountID:     cfg.AccountID,
			Region:        cfg.Region,
			Services:      []string{"kinesis"},
			RejectReplays: cfg.Auth.RejectReplays,
		})
		if err != nil {
			return nil, err
		}
	}
	for _, w := range cfg.Warnings() {
		logger.Warn(w)
	}
	principals := map[string]bool{}
	for _, k := range cfg.Auth.Keys {
		principals[k.ARN(cfg.AccountID)] = true
	}
	logger.Info("security", "auth", onOff(cfg.Auth.Enabled), "keys", len(cfg.Auth.Keys), "principals", len(principals),
		"reject_replays", cfg.Auth.RejectReplays, "tls_require", cfg.TLS.Require, "keyring", kr.Path())
	return sec, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (sec *security) collectors() []prometheus.Collector {
	return []prometheus.Collector{sec.authRequests, sec.authzDenied}
}

// kinesisVerifier is the verifier of Kinesis requests: a nil interface
// with auth off.
func (sec *security) kinesisVerifier() kinesis.Verifier {
	if sec.verifier == nil {
		return nil
	}
	return &meteredVerifier{v: sec.verifier, sec: sec}
}

// meteredVerifier counts and logs what a verifier decides.
type meteredVerifier struct {
	v   *auth.Verifier
	sec *security
}

// Verify verifies r and records the outcome.
func (m *meteredVerifier) Verify(r *http.Request, body []byte) (auth.Identity, error) {
	id, err := m.v.Verify(r, body)
	if err == nil {
		m.sec.authRequests.WithLabelValues("ok", "").Inc()
		return id, nil
	}
	var e *auth.Error
	if !errors.As(err, &e) {
		return id, err
	}
	m.sec.authRequests.WithLabelValues("refused", string(e.Reason)).Inc()
	m.sec.logger.Info("authentication failed", "reason", e.Reason, "access_key_id", accessKeyOf(r), "remote_addr", r.RemoteAddr)
	if e.Detail != "" {
		m.sec.logger.Debug("authentication failed", "reason", e.Reason, "detail", e.Detail)
	}
	return id, err
}

// accessKeyOf returns the access key ID a request names, if any, for logs.
func accessKeyOf(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if h := r.Header.Get("Authorization"); h != "" {
		_, rest, _ := strings.Cut(h, "Credential=")
		cred, _, _ = strings.Cut(rest, ",")
	}
	id, _, _ := strings.Cut(strings.TrimSpace(cred), "/")
	if len(id) > 128 {
		return ""
	}
	return id
}

// guardedAPI describes an AWS JSON API other than Kinesis served on the
// same port (Firehose, Kinesis Analytics), for guard.
type guardedAPI struct {
	// service is the credential scope's service and the IAM prefix of
	// the API's actions ("firehose").
	service string
	// resource returns the ARN of what an operation's body names, ""
	// for account-level operations or when it names nothing.
	resource func(operation string, f awsproto.Format, body []byte) string
	// check, if set, makes further checks (e.g. that a caller creating a
	// delivery stream may read its source Kinesis stream).
	check func(r *http.Request, operation string, f awsproto.Format, body []byte) error
}

// maxGuardedBody bounds the body guard reads; the API behind it applies
// its own, lower, limit.
const maxGuardedBody = 64 << 20

// guard authenticates and authorizes the requests of api before next
// serves them. With auth off it returns next. These APIs have no resource
// policies: principals of the server's account may do everything, others
// nothing (policy.Authorize with no policy).
func (sec *security) guard(api guardedAPI, next http.Handler) http.Handler {
	if sec.verifier == nil {
		return next
	}
	verifier := &meteredVerifier{v: sec.verifier.WithServices(api.service), sec: sec}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format, ok := awsproto.FormatOf(r.Header.Get("Content-Type"))
		if r.Method != http.MethodPost || !ok {
			next.ServeHTTP(w, r) // refused there, in AWS's shape
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxGuardedBody+1))
		if err != nil {
			awsproto.WriteError(w, format, awsproto.NewError(awsproto.TypeSerialization, ""))
			return
		}
		if len(body) > maxGuardedBody {
			awsproto.WriteError(w, format, &awsproto.Error{Type: awsproto.TypeRequestEntityTooBig,
				Message: "Request body is too large", Status: http.StatusRequestEntityTooLarge})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if e := awsproto.CheckAuth(r); e != nil {
			awsproto.WriteError(w, format, e)
			return
		}
		id, err := verifier.Verify(r, body)
		if err != nil {
			var e *auth.Error
			if errors.As(err, &e) {
				awsproto.WriteError(w, format, awsproto.NewError(e.Type, e.Message))
			} else {
				awsproto.WriteError(w, format, awsproto.InternalFailure())
			}
			return
		}
		r = r.WithContext(auth.NewContext(r.Context(), id))
		_, operation, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		action := api.service + ":" + operation
		err = policy.Authorize(nil, policy.Request{
			Principal: id.PrincipalARN, Action: action, Resource: api.resource(operation, format, body),
			Account: sec.cfg.AccountID, SourceIP: peerAddr(r), SecureTransport: r.TLS != nil, Time: time.Now(),
		})
		if err == nil && api.check != nil {
			err = api.check(r, operation, format, body)
		}
		if err != nil {
			var denied *policy.AccessDeniedError
			if errors.As(err, &denied) {
				sec.authzDenied.WithLabelValues(denied.Action).Inc()
				sec.logger.Info("access denied", "principal", id.PrincipalARN, "action", denied.Action, "resource", denied.Resource)
				err = awsproto.NewError(awsproto.TypeAccessDenied, denied.Error())
			}
			var e *awsproto.Error
			if !errors.As(err, &e) {
				sec.logger.Error("authorize", "action", action, "error", err)
				e = awsproto.InternalFailure()
			}
			awsproto.WriteError(w, format, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// peerAddr is the IP address of r's TCP peer (aws:SourceIp).
func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// firehoseAPI guards the Firehose API: actions firehose:<Operation> on
// the delivery stream a request names. A caller creating a delivery
// stream that reads a Kinesis stream must also be allowed
// kinesis:GetRecords on that stream (kinesisStreamsCheck).
func (s *Server) firehoseAPI() guardedAPI {
	return guardedAPI{
		service: "firehose",
		resource: func(_ string, f awsproto.Format, body []byte) string {
			var in struct {
				DeliveryStreamName *string `json:"DeliveryStreamName"`
			}
			if awsproto.Decode(f, body, &in) != nil || in.DeliveryStreamName == nil {
				return ""
			}
			return "arn:aws:firehose:" + s.cfg.Region + ":" + s.cfg.AccountID + ":deliverystream/" + *in.DeliveryStreamName
		},
		check: s.kinesisStreamsCheck,
	}
}

// kinesisStreamsCheck checks that the caller of another API may read, or
// write, the Kinesis streams its request names: a Firehose delivery stream
// or an analytics application reads its source streams and writes its
// output streams on the caller's behalf, so the streams' resource policies
// must not be sidestepped through them. Every value of a member whose name
// ends in ARN (or ARNUpdate) that is a Kinesis stream ARN counts; under a
// member whose name contains "Output" it is written (kinesis:PutRecords),
// elsewhere read (kinesis:GetRecords). A body that does not decode names
// nothing; the API refuses it.
func (s *Server) kinesisStreamsCheck(r *http.Request, _ string, f awsproto.Format, body []byte) error {
	var doc map[string]any
	if awsproto.Decode(f, body, &doc) != nil {
		return nil
	}
	var check func(v any, output bool) error
	check = func(v any, output bool) error {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				out := output || strings.Contains(k, "Output")
				if arn, ok := child.(string); ok && (strings.HasSuffix(k, "ARN") || strings.HasSuffix(k, "ARNUpdate")) &&
					policy.ResourceTypeOf(arn) == policy.ResourceStream {
					op := "GetRecords"
					if out {
						op = "PutRecords"
					}
					if err := s.kinesis.Authorize(r, op, arn); err != nil {
						return err
					}
					continue
				}
				if err := check(child, out); err != nil {
					return err
				}
			}
		case map[any]any: // nested maps of a CBOR body
			m := make(map[string]any, len(x))
			for k, child := range x {
				if ks, ok := k.(string); ok {
					m[ks] = child
				}
			}
			return check(m, output)
		case []any:
			for _, child := range x {
				if err := check(child, output); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return check(doc, false)
}
