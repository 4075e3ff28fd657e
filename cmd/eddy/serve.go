package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/server"
)

func init() { commands = append(commands, newServeCmd) }

// serveFlags are the flags of eddy serve; each overrides the config file.
type serveFlags struct {
	configFile string
	listen     string
	dataDir    string
	fsync      string
	logLevel   string
	tlsCert    string
	tlsKey     string
	throttle   bool
	cpuProfile string
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	def := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Eddy server (the Kinesis Data Streams API on a durable store)",
		Long: `Run the Eddy server: the Amazon Kinesis Data Streams API (JSON 1.1 and CBOR)
on a durable local store. Without flags it keeps data in ./eddy-data and listens
on 127.0.0.1:4567. Flags override the settings of --config.

It serves HTTP/1.1 and unencrypted HTTP/2 (h2c) on one port, or, with
--tls-cert and --tls-key, HTTPS with HTTP/1.1 and HTTP/2 ("eddy cert" makes a
self-signed pair for local use).

By default any well-formed AWS signature is accepted, as by a local emulator.
SigV4 authentication against configured keys (auth:), refusing to start
without TLS (tls.require) and the keyring of encryption at rest
(encryption.keyring) are set in the --config file; see docs/security.md.

When ready it prints "eddy listening on http://ADDR" (or https://). SIGINT or SIGTERM stops it
gracefully: in-flight requests finish and the store is flushed.`,
		Example: `  eddy serve
  eddy serve --listen 127.0.0.1:4600 --data-dir /var/lib/eddy --fsync always
  eddy serve --config eddy.yaml --tls-cert eddy-cert.pem --tls-key eddy-key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd, &f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.configFile, "config", "", "YAML config file")
	fs.StringVar(&f.listen, "listen", def.Listen, "address to listen on (host:port)")
	fs.StringVar(&f.dataDir, "data-dir", def.DataDir, "data directory")
	fs.StringVar(&f.fsync, "fsync", def.Fsync, "durability: always (ack after fsync), interval or never")
	fs.StringVar(&f.logLevel, "log-level", def.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate (PEM); with --tls-key, serve HTTPS (see eddy cert)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.BoolVar(&f.throttle, "throughput-limits", def.Throughput.Enforce,
		"enforce AWS's per-shard throughput limits (ProvisionedThroughputExceededException)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	_ = fs.MarkHidden("cpuprofile")
	return cmd
}

// serveConfig builds the configuration: defaults, then the file, then the
// flags that were set.
func serveConfig(cmd *cobra.Command, f *serveFlags) (config.Config, error) {
	cfg := config.Default()
	if f.configFile != "" {
		var err error
		if cfg, err = config.Load(f.configFile); err != nil {
			return cfg, err
		}
	}
	fs := cmd.Flags()
	if fs.Changed("listen") {
		cfg.Listen = f.listen
	}
	if fs.Changed("data-dir") {
		cfg.DataDir = f.dataDir
	}
	if fs.Changed("fsync") {
		cfg.Fsync = f.fsync
	}
	if fs.Changed("log-level") {
		cfg.LogLevel = f.logLevel
	}
	if fs.Changed("tls-cert") {
		cfg.TLSCert = f.tlsCert
	}
	if fs.Changed("tls-key") {
		cfg.TLSKey = f.tlsKey
	}
	if fs.Changed("throughput-limits") {
		cfg.Throughput.Enforce = f.throttle
	}
	return cfg, cfg.Validate()
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	cfg, err := serveConfig(cmd, f)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return &exitError{code: 2, err: err}
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	if f.configFile != "" {
		for _, w := range config.FileWarnings(f.configFile, cfg) {
			logger.Warn(w)
		}
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}

	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		_ = srv.Close(context.Background())
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "eddy listening on %s\n", srv.URL())

	<-ctx.Done()
	stop() // a second signal kills the process
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Close(shutdownCtx)
}
