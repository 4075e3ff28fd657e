package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const (
	// defaultEndpoint is where `eddy serve` listens with no flags.
	defaultEndpoint = "http://127.0.0.1:4567"
	// defaultRegion is used when neither --region nor the AWS environment
	// or config files name one.
	defaultRegion = "us-east-1"
	// Dummy credentials for endpoints other than AWS when none are
	// configured.
	dummyAccessKeyID     = "AKIAEDDYLOCAL0000000"
	dummySecretAccessKey = "eddy-local-secret-access-key"
)

// clientFlags are the flags shared by the commands that talk to a Kinesis
// endpoint (stream, put, tail, bench).
type clientFlags struct {
	endpoint string
	region   string
}

// register adds --endpoint and --region to fs.
func (f *clientFlags) register(fs *pflag.FlagSet) {
	endpoint := defaultEndpoint
	if env, ok := os.LookupEnv("EDDY_ENDPOINT"); ok {
		endpoint = env
	}
	fs.StringVar(&f.endpoint, "endpoint", endpoint,
		`Kinesis endpoint URL (env EDDY_ENDPOINT); "" or "aws" means AWS's own endpoint for the region`)
	fs.StringVar(&f.region, "region", "",
		"AWS region (default: from AWS_REGION or the AWS config file, else "+defaultRegion+")")
}

// clientOptions tune the client for a command.
type clientOptions struct {
	// maxConns is the number of idle connections kept to the endpoint;
	// 0 means the SDK's default.
	maxConns int
	// maxAttempts is the SDK's attempt count per call (retries + 1);
	// 0 means the SDK's default (3).
	maxAttempts int
}

// awsEndpoint reports whether the flags point at AWS itself.
func (f *clientFlags) awsEndpoint() bool {
	e := strings.TrimSpace(f.endpoint)
	if e == "" || e == "aws" {
		return true
	}
	u, err := url.Parse(e)
	return err == nil && strings.HasSuffix(u.Hostname(), ".amazonaws.com")
}

// endpointURL returns the custom endpoint URL, or "" for AWS's own. A
// malformed URL is a usage error.
func (f *clientFlags) endpointURL() (string, error) {
	e := strings.TrimSpace(f.endpoint)
	if e == "" || e == "aws" {
		return "", nil
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("invalid --endpoint %q: want a URL such as %s", f.endpoint, defaultEndpoint)
	}
	return e, nil
}

// newClient builds a Kinesis client from the flags, the AWS environment and
// config files.
func (f *clientFlags) newClient(ctx context.Context, opts clientOptions) (*kinesis.Client, error) {
	endpoint, err := f.endpointURL()
	if err != nil {
		return nil, err
	}
	plainHTTP := strings.HasPrefix(endpoint, "http://")
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		if opts.maxConns > 0 {
			t.MaxIdleConns = max(t.MaxIdleConns, opts.maxConns)
			t.MaxIdleConnsPerHost = opts.maxConns
		}
		if plainHTTP {
			// No HTTP/2 on plain connections: one request per connection,
			// as many connections as callers.
			t.ForceAttemptHTTP2 = false
			t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
	})
	loadOpts := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}
	if f.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(f.region))
	}
	if opts.maxAttempts > 0 {
		loadOpts = append(loadOpts, config.WithRetryMaxAttempts(opts.maxAttempts))
	}
	local := !f.awsEndpoint()
	if local {
		// Never ask the EC2 metadata service on behalf of a non-AWS
		// endpoint.
		loadOpts = append(loadOpts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if local {
		// Use the configured credentials if there are any, else dummy
		// ones: Eddy and the local emulators accept any signature.
		cfg.Credentials = aws.NewCredentialsCache(&fallbackCredentials{
			primary:  cfg.Credentials,
			fallback: credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, ""),
		})
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, addRequestBodyWithoutWriteTo)
	}), nil
}

// addRequestBodyWithoutWriteTo adds a middleware that sends request bodies
// without their WriteTo method, to avoid a race between the SDK and
// net/http that closes a connection while its response is being read.
//
// The SDK sends a request body through a wrapper whose WriteTo, once the
// wrapper is closed, fails with io.EOF, and it closes the wrapper as soon
// as the response headers are in (smithy-go's ClientHandler). Meanwhile
// net/http, having flushed the headers of a body it cannot tell is in
// memory, writes the Content-Length bytes straight to the socket, and only
// then checks for excess bytes with io.Copy(io.Discard, body), which uses
// WriteTo. If the server has answered and the SDK has closed the body in
// between, that check fails, the transport takes it for a failed request
// write and closes the connection: reading the rest of the response (a
// large GetRecords one, typically) fails with "use of closed network
// connection". Without WriteTo the check reads instead, and a closed
// wrapper's Read reports a clean io.EOF. SDK retries mostly hide the
// failure, at the price of a new connection and a repeated call (a
// repeated PutRecords stores its records again), but `eddy bench` makes
// one attempt per call and reports it.
func addRequestBodyWithoutWriteTo(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("EddyRequestBodyWithoutWriteTo",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				if body, ok := req.GetStream().(interface {
					io.ReadSeeker
					io.WriterTo
				}); ok {
					// Seeking is kept: it gives the length and lets
					// retries rewind.
					r, err := req.SetStream(struct{ io.ReadSeeker }{body})
					if err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					in.Request = r
				}
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// fallbackCredentials retrieves credentials from primary, or from fallback
// when primary has none.
type fallbackCredentials struct {
	primary  aws.CredentialsProvider // may be nil
	fallback aws.CredentialsProvider
}

func (c *fallbackCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if c.primary != nil {
		if creds, err := c.primary.Retrieve(ctx); err == nil && creds.HasKeys() {
			return creds, nil
		}
	}
	return c.fallback.Retrieve(ctx)
}

// apiError turns an SDK error into a short message: the service's error
// code and message, or the network failure, after action.
func apiError(action string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%s: %s: %s", action, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("%s: cannot reach the endpoint: %w", action, opErr)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// usageErrorf returns an error that makes eddy exit with status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// usageFlagErrors makes cmd's flag parsing errors exit with status 2.
func usageFlagErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err}
	})
}

// usageArgs wraps a cobra argument validator so that its errors exit with
// status 2.
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return &exitError{code: 2, err: err}
		}
		return nil
	}
}

// requireStream is the usage error for a missing --stream.
func requireStream(stream string) error {
	if strings.TrimSpace(stream) == "" {
		return usageErrorf("--stream is required")
	}
	return nil
}
