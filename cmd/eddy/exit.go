package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
)

// Exit statuses of the commands that talk to an endpoint. Scripts rely on
// them: docs/cli.md lists them, and the e2e tests check them.
const (
	// exitFailure is any other failure: an API error not listed below,
	// records that could not be written, an I/O error.
	exitFailure = 1
	// exitUsage is a bad command line: unknown command or flag, bad flag
	// value, missing --stream.
	exitUsage = 2
	// exitNotFound is ResourceNotFoundException: no such stream, shard or
	// consumer.
	exitNotFound = 3
	// exitInUse is ResourceInUseException: the stream or consumer exists
	// already, or is not ACTIVE for the change asked.
	exitInUse = 4
	// exitUnreachable means the endpoint could not be reached: connection
	// refused, unknown host, TLS failure, network timeout.
	exitUnreachable = 5
	// exitTimeout means a wait ended before its condition held: --wait
	// past its --timeout, or `eddy tail --until` before --count records.
	exitTimeout = 6
	// exitInterrupted means SIGINT or SIGTERM stopped a command that had
	// work left (put, bench), as shells report for SIGINT.
	exitInterrupted = 130
)

// exitErrorf returns an error that makes eddy exit with code.
func exitErrorf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// usageErrorf returns an error that makes eddy exit with status 2.
func usageErrorf(format string, args ...any) error {
	return exitErrorf(exitUsage, format, args...)
}

// apiError turns an SDK error into a short message, the service's error
// code and message or the network failure after action, with the exit
// status of its kind.
func apiError(action string, err error) error {
	if e, ok := err.(*exitError); ok {
		return e
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return &exitError{code: apiExitCode(apiErr.ErrorCode()), err: &causedError{
			msg:   fmt.Sprintf("%s: %s: %s", action, apiErr.ErrorCode(), apiErr.ErrorMessage()),
			cause: err,
		}}
	}
	if unreachable(err) {
		return &exitError{code: exitUnreachable, err: fmt.Errorf("%s: cannot reach the endpoint: %w", action, rootCause(err))}
	}
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		return &exitError{code: exitUsage, err: fmt.Errorf("%s: no profile %q in the AWS config files", action, noProfile.Profile)}
	}
	return &exitError{code: exitFailure, err: fmt.Errorf("%s: %w", action, err)}
}

// causedError is an error with a message of its own that unwraps to its
// cause, so that errors.As still finds the SDK's typed errors.
type causedError struct {
	msg   string
	cause error
}

func (e *causedError) Error() string { return e.msg }
func (e *causedError) Unwrap() error { return e.cause }

// apiExitCode maps a Kinesis error code to an exit status.
func apiExitCode(code string) int {
	switch code {
	case "ResourceNotFoundException":
		return exitNotFound
	case "ResourceInUseException":
		return exitInUse
	}
	return exitFailure
}

// unreachable reports whether err is a failure to reach the endpoint.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var urlErr *url.Error
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr):
		return true
	case errors.As(err, &urlErr):
		return urlErr.Timeout() || strings.Contains(urlErr.Error(), "tls:") || strings.Contains(urlErr.Error(), "x509:")
	}
	return false
}

// rootCause strips the SDK's "operation error ..." wrappers down to the
// network error, which says what went wrong.
func rootCause(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr
	}
	return err
}

// usageFlagErrors makes cmd's flag parsing errors exit with status 2.
func usageFlagErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
}

// usageArgs wraps a cobra argument validator so that its errors exit with
// status 2.
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return &exitError{code: exitUsage, err: err}
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

// groupCommand sets up a command that only holds subcommands: flags of the
// subcommands given to it (eddy stream lst --stream x) do not hide the
// unknown subcommand, which is a usage error.
func groupCommand(cmd *cobra.Command) {
	usageFlagErrors(cmd)
	cmd.FParseErrWhitelist.UnknownFlags = true
}
