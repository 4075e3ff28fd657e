// Package server is the composition root of eddy serve: it opens the store
// from the configuration, builds the API handlers on it, serves them over
// HTTP, and shuts everything down in order.
//
// Lifecycle: New opens the store (recovering it) and prepares the
// handlers; Start listens and serves in the background; Close stops
// accepting requests, lets in-flight ones finish, completes pending
// stream status transitions, and closes (flushes and fsyncs) the store.
// Serve is Start, then Close when its context ends.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/kinesis"
	"github.com/eddy-streaming/eddy/internal/kinesisanalytics"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// The store must satisfy the interface the Kinesis API reaches it through.
var _ kinesis.Store = (*storage.Store)(nil)

// keyFile is the name, in the data directory, of the key that signs shard
// iterators and pagination tokens.
const keyFile = "server.key"

// accountSettingsFile is the name, in the data directory, of the Kinesis
// account settings.
const accountSettingsFile = "account-settings.json"

// Server is a running eddy server.
type Server struct {
	cfg     config.Config
	logger  *slog.Logger
	store   *storage.Store
	kinesis *kinesis.Handler
	// firehose serves delivery streams (Firehose_20150804 requests).
	firehose *firehose.Service
	// analytics runs SQL applications (KinesisAnalytics_20150814 requests).
	analytics *kinesisanalytics.Service
	// security holds the keyring and the request verifier (security.go).
	security *security
	http     *http.Server
	// tls is the server's TLS configuration, nil when serving plain HTTP.
	tls *tls.Config
	// metrics is the registry served on GET /metrics.
	metrics *prometheus.Registry

	mu       sync.Mutex
	listener net.Listener
	served   chan struct{} // closed when the HTTP server stops serving
	serveErr error

	closeOnce sync.Once
	closeErr  error
}

// New validates cfg, opens the store in cfg.DataDir and builds the
// handlers. logger may be nil (logs are discarded). Call Close to release
// the store, even if Start is never called.
func New(cfg config.Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	fsync, err := storage.ParseFsyncPolicy(cfg.Fsync)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(cfg.DataDir, keyFile))
	if err != nil {
		return nil, err
	}
	sec, err := newSecurity(cfg, logger.With("component", "security"))
	if err != nil {
		return nil, err
	}
	store, err := storage.Open(storage.Options{
		Keyring:       sec.keyring,
		Dir:           cfg.DataDir,
		Fsync:         fsync,
		FsyncInterval: cfg.FsyncInterval,
		MaxRecordSize: config.MaxRecordSizeCeiling,
		Logger:        logger.With("component", "storage"),
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	l := cfg.Limits
	kh, err := kinesis.New(kinesisStore{store}, kinesis.Options{
		Region:      cfg.Region,
		AccountID:   cfg.AccountID,
		StatusDelay: cfg.StatusDelay,
		IteratorKey: key,
		Limits: kinesis.Limits{
			MaxRecordSize:        l.MaxRecordSize,
			PutRecordsMaxRecords: l.PutRecordsMaxRecords,
			PutRecordsMaxBytes:   l.PutRecordsMaxBytes,
			GetRecordsMaxRecords: l.GetRecordsMaxRecords,
			GetRecordsMaxBytes:   l.GetRecordsMaxBytes,
			ShardLimit:           l.ShardLimit,
			OnDemandStreamLimit:  l.OnDemandStreamLimit,
		},
		Throughput: kinesis.Throughput{
			Enforce:               cfg.Throughput.Enforce,
			WriteBytesPerSecond:   cfg.Throughput.WriteBytesPerSecond,
			WriteRecordsPerSecond: cfg.Throughput.WriteRecordsPerSecond,
			ReadBytesPerSecond:    cfg.Throughput.ReadBytesPerSecond,
			ReadCallsPerSecond:    cfg.Throughput.ReadCallsPerSecond,
		},
		OnDemand: kinesis.OnDemand{
			SplitBytesPerSecond:   cfg.OnDemand.SplitBytesPerSecond,
			SplitRecordsPerSecond: cfg.OnDemand.SplitRecordsPerSecond,
			Sustain:               cfg.OnDemand.Sustain,
			CheckInterval:         cfg.OnDemand.CheckInterval,
		},
		FanOut: kinesis.FanOut{
			MaxConsumersPerStream: cfg.FanOut.MaxConsumersPerStream,
			Session:               cfg.FanOut.Session,
			TakeoverAfter:         cfg.FanOut.TakeoverAfter,
			Heartbeat:             cfg.FanOut.Heartbeat,
		},
		SettingsFile: filepath.Join(cfg.DataDir, accountSettingsFile),
		ChannelsFile: filepath.Join(cfg.DataDir, channelsFile),
		Verifier:     sec.kinesisVerifier(),
		Keyring:      sec.keyring,
		AuthzDenied:  sec.authzDenied,
		Logger:       logger.With("component", "kinesis"),
	})
	if err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("start kinesis api: %w", err)
	}
	fh, err := newFirehose(cfg, store, logger.With("component", "firehose"))
	if err != nil {
		kh.Close()
		_ = store.Close()
		return nil, fmt.Errorf("start firehose api: %w", err)
	}
	kh.SetChannelDelivery(channelDelivery{fh: fh})
	ka, err := newAnalytics(cfg, store, logger.With("component", "analytics"))
	if err != nil {
		_ = fh.Close()
		kh.Close()
		_ = store.Close()
		return nil, fmt.Errorf("start analytics api: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, store: store, kinesis: kh, firehose: fh, analytics: ka, security: sec, served: make(chan struct{}), metrics: prometheus.NewRegistry()}
	s.metrics.MustRegister(kh.ShardMetrics())
	s.metrics.MustRegister(firehose.NewCollector(fh))
	s.metrics.MustRegister(ka.Collector())
	s.metrics.MustRegister(sec.collectors()...)
	// HTTP/1.1, HTTP/2 over TLS (ALPN) and unencrypted HTTP/2 with prior
	// knowledge (h2c) on the same port: SubscribeToShard streams over each.
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	s.http = &http.Server{
		Handler:           s.routes(),
		Protocols:         protocols,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			_ = ka.Close()
			_ = fh.Close()
			kh.Close()
			_ = store.Close()
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.http.TLSConfig = s.tls
		protocols.SetUnencryptedHTTP2(false) // the port speaks only TLS
	}
	// Shutdown waits for responses to end; subscriptions would not.
	s.http.RegisterOnShutdown(kh.EndSubscriptions)
	return s, nil
}

// routes is the HTTP mux: the AWS APIs on POST / (dispatched on
// X-Amz-Target), GET /health and GET /metrics (Prometheus).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	mux.Handle("/", withAnalytics(s.security.guard(s.analyticsAPI(), s.analytics),
		withFirehose(s.security.guard(s.firehoseAPI(), s.firehose), s.kinesis)))
	return mux
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	status, code := "ok", http.StatusOK
	if err := s.store.WriteErr(); err != nil {
		status, code = "degraded: "+err.Error(), http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status})
}

// Start listens on cfg.Listen and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return errors.New("server already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.listener = ln
	go func() {
		defer close(s.served)
		serve := s.http.Serve
		if s.tls != nil {
			serve = func(ln net.Listener) error { return s.http.ServeTLS(ln, "", "") }
		}
		if err := serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.serveErr = err
			s.mu.Unlock()
			s.logger.Error("http server stopped", "error", err)
		}
	}()
	s.logger.Info("listening", "addr", ln.Addr().String(), "tls", s.tls != nil, "data_dir", s.cfg.DataDir, "fsync", s.cfg.Fsync)
	return nil
}

// URL returns the base URL of the API (https:// when serving TLS), or ""
// before Start.
func (s *Server) URL() string {
	addr := s.Addr()
	if addr == "" {
		return ""
	}
	if s.tls != nil {
		return "https://" + addr
	}
	return "http://" + addr
}

// Addr returns the address the server listens on (host:port), or "" before
// Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Serve starts the server and blocks until ctx is done or the HTTP server
// fails, then closes it with a shutdown grace period of 30 s.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Start(); err != nil {
		_ = s.Close(context.Background())
		return err
	}
	select {
	case <-ctx.Done():
	case <-s.served:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Close(shutdownCtx)
	s.mu.Lock()
	serveErr := s.serveErr
	s.mu.Unlock()
	return errors.Join(serveErr, err)
}

// Close shuts the server down: it stops accepting connections, waits for
// in-flight requests until ctx is done (then drops them), completes
// pending stream transitions, and closes the store. It is idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		var errs []error
		s.mu.Lock()
		started := s.listener != nil
		s.mu.Unlock()
		if started {
			if err := s.http.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shut down http: %w", err))
				_ = s.http.Close()
			}
		}
		// SQL applications write a final checkpoint and may write to
		// delivery streams; delivery workers read the store: stop them
		// before closing it.
		_ = s.analytics.Close()
		_ = s.firehose.Close()
		s.kinesis.Close()
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		s.closeErr = errors.Join(errs...)
		s.logger.Info("stopped")
	})
	return s.closeErr
}

// loadOrCreateKey reads the 32-byte server key at path, creating it
// (atomically, fsynced) if it does not exist.
func loadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("server key %s is too short (%d bytes)", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read server key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	if err := writeFileAtomic(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("write server key: %w", err)
	}
	return key, nil
}

// writeFileAtomic writes data to path via a temporary file, fsyncs it,
// renames it into place and fsyncs the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
