// Command eddy is Eddy's single binary: the server (eddy serve) and the
// command-line tools that talk to it over the Kinesis wire API.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// commands holds the constructors of the subcommands; each subcommand's
// file appends its constructor from an init function.
var commands []func() *cobra.Command

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "eddy",
		Short: "Eddy: self-hosted real-time streaming, wire-compatible with Amazon Kinesis",
		Example: `  eddy serve --data-dir ./eddy-data &
  eddy stream create --stream events --shards 2 --wait
  seq 1000 | eddy put --stream events
  eddy tail --stream events --from trim-horizon -n 10`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Suggest commands up to 2 edits away from an unknown one.
		SuggestionsMinimumDistance: 2,
		// An unknown command is a usage error (exit status 2), like an
		// unknown flag.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if suggestions := cmd.SuggestionsFor(args[0]); len(suggestions) > 0 {
				msg += "; did you mean " + strings.Join(suggestions, " or ") + "?"
			}
			return &exitError{code: 2, err: errors.New(msg)}
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err}
	})
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "eddy:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a process exit code with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
