package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/internal/keyring"
)

func init() { commands = append(commands, newKeyringCmd) }

// newKeyringCmd is eddy keyring: list, create and rotate the master keys
// of encryption at rest (docs/security.md, "The keyring"). It works on the
// file directly; a running server re-reads it when it changes.
func newKeyringCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "keyring",
		Short: "List, create and rotate the keys that encrypt streams at rest",
		Long: `Manage the keyring file that stands in for AWS KMS: StartStreamEncryption's
KeyId names a key of the keyring by its ID or an alias (or their ARN forms).

  eddy keyring list
  eddy keyring create arn:aws:kms:us-east-1:000000000000:key/$(uuidgen) --alias alias/orders
  eddy keyring rotate alias/orders

The default file is ./eddy-data/keyring.json (encryption.keyring in the server
config, default <data_dir>/keyring.json). A running server picks changes up
without a restart. Key material is never printed.`,
	}
	cmd.PersistentFlags().StringVar(&path, "keyring", filepath.Join("eddy-data", "keyring.json"), "keyring file")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the keys: IDs, aliases and versions (never key material)",
		Example: "  eddy keyring list --keyring eddy-data/keyring.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				return nil // an empty keyring
			}
			if err != nil {
				return err
			}
			if _, err := keyring.Open(path); err != nil {
				return err // validates the whole file
			}
			var doc keyring.File
			if err := json.Unmarshal(b, &doc); err != nil {
				return fmt.Errorf("read keyring: %w", err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tALIASES\tVERSIONS\tNEWEST CREATED")
			for _, k := range doc.Keys {
				newest := k.Versions[len(k.Versions)-1]
				fmt.Fprintf(w, "%s\t%v\t%d\t%s\n", k.ID, k.Aliases, len(k.Versions), newest.Created.Format("2006-01-02T15:04:05Z"))
			}
			return w.Flush()
		},
	}

	var aliases []string
	create := &cobra.Command{
		Use:     "create ID",
		Short:   "Add a key with a random first version",
		Example: "  eddy keyring create clickstream-key --alias alias/clickstream",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := keyring.Open(path)
			if err != nil {
				return err
			}
			if err := kr.Create(args[0], aliases...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s in %s\n", args[0], path)
			return nil
		},
	}
	create.Flags().StringSliceVar(&aliases, "alias", nil, "alias of the key, e.g. alias/orders (repeatable)")

	rotate := &cobra.Command{
		Use:     "rotate NAME",
		Short:   "Add a new version to a key; new records use it, older ones keep theirs",
		Example: "  eddy keyring rotate alias/clickstream",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := keyring.Open(path)
			if err != nil {
				return err
			}
			v, err := kr.Rotate(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is now at version %d\n", args[0], v)
			return nil
		},
	}
	cmd.AddCommand(list, create, rotate)
	return cmd
}
