package main

import (
	"context"
	"crypto/tls"
	"github.com/eddy-streaming/eddy/internal/awsclient"
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
	"github.com/aws/smithy-go/logging"
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
// endpoint (stream, consumer, tags, put, tail, stats, bench).
type clientFlags struct {
	endpoint string
	region   string
	profile  string
}

// endpointEnv are the environment variables that name the endpoint, in
// order of precedence; the first one set is --endpoint's default.
var endpointEnv = []string{"EDDY_ENDPOINT", "AWS_ENDPOINT_URL_KINESIS", "AWS_ENDPOINT_URL"}

// defaultEndpointFromEnv returns the endpoint named by the environment, or
// the local default.
func defaultEndpointFromEnv() string {
	for _, name := range endpointEnv {
		if env, ok := os.LookupEnv(name); ok {
			return env
		}
	}
	return defaultEndpoint
}

// register adds --endpoint, --region and --profile to fs.
func (f *clientFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", defaultEndpointFromEnv(),
		`Kinesis endpoint URL (env EDDY_ENDPOINT, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL); "aws" means AWS's own endpoint for the region`)
	fs.StringVar(&f.region, "region", "",
		"AWS region (default: from AWS_REGION or the AWS config file, else "+defaultRegion+")")
	fs.StringVar(&f.profile, "profile", "",
		"profile of the AWS config and credentials files (default: from AWS_PROFILE, else default)")
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
	cfg, err := f.awsConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	endpoint, err := f.endpointURL()
	if err != nil {
		return nil, err
	}
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, awsclient.RequestBodyWithoutWriteTo)
	}), nil
}

// awsConfig loads the SDK configuration from the flags, the AWS environment
// and config files. Its HTTPClient also serves other requests to the
// endpoint (eddy stats reads /metrics with it).
func (f *clientFlags) awsConfig(ctx context.Context, opts clientOptions) (aws.Config, error) {
	endpoint, err := f.endpointURL()
	if err != nil {
		return aws.Config{}, err
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
	if f.profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(f.profile))
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
		return aws.Config{}, apiError("load AWS config", err)
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
	// The SDK's own warnings (such as about an unread response body after
	// eddy tail stops a read) are noise on a command line.
	cfg.Logger = logging.Nop{}
	return cfg, nil
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
