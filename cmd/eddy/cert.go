package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/internal/server"
)

func init() { commands = append(commands, newCertCmd) }

func newCertCmd() *cobra.Command {
	var (
		certOut, keyOut string
		hosts           []string
		validFor        time.Duration
		force           bool
	)
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Generate a self-signed TLS certificate and key for eddy serve (local use)",
		Long: `Generate a self-signed certificate and private key (ECDSA P-256, PEM) for
serving HTTPS and HTTP/2 locally:

  eddy cert
  eddy serve --tls-cert eddy-cert.pem --tls-key eddy-key.pem

Clients must trust the certificate (for example AWS_CA_BUNDLE=eddy-cert.pem for
the AWS CLI and SDKs) or skip verification. Not for production use.`,
		Example: "  eddy cert\n  eddy cert --force",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if validFor <= 0 {
				return &exitError{code: 2, err: fmt.Errorf("--valid-for must be positive")}
			}
			certPEM, keyPEM, err := server.SelfSignedCert(hosts, validFor, time.Now())
			if err != nil {
				return err
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			for _, f := range []struct {
				path string
				data []byte
				perm os.FileMode
			}{{certOut, certPEM, 0o644}, {keyOut, keyPEM, 0o600}} {
				file, err := os.OpenFile(f.path, flags, f.perm)
				if err != nil {
					return fmt.Errorf("write %s: %w (use --force to overwrite)", f.path, err)
				}
				_, werr := file.Write(f.data)
				if cerr := file.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					return fmt.Errorf("write %s: %w", f.path, werr)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s (valid for %v, hosts %v)\n", certOut, keyOut, validFor, hosts)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&certOut, "cert-out", "eddy-cert.pem", "certificate file to write")
	fs.StringVar(&keyOut, "key-out", "eddy-key.pem", "private key file to write (mode 0600)")
	fs.StringSliceVar(&hosts, "host", []string{"localhost", "127.0.0.1", "::1"}, "host names and IP addresses the certificate is for")
	fs.DurationVar(&validFor, "valid-for", 365*24*time.Hour, "validity period")
	fs.BoolVar(&force, "force", false, "overwrite existing files")
	return cmd
}
