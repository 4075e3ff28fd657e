package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTagsCmd) }

func newTagsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tags",
		Aliases: []string{"tag"},
		Short:   "Add, list and remove the tags of a stream",
		Example: `  eddy tags add --stream orders team=checkout env=prod
  eddy tags list --stream orders
  eddy tags remove --stream orders env`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return usageErrorf("missing subcommand: add, list or remove")
		},
	}
	groupCommand(cmd)
	for _, sub := range []*cobra.Command{newTagsAddCmd(), newTagsListCmd(), newTagsRemoveCmd()} {
		usageFlagErrors(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

// parseTags parses KEY=VALUE arguments; the value may be empty.
func parseTags(args []string) (map[string]string, error) {
	tags := map[string]string{}
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			return nil, usageErrorf("tag %q: want KEY=VALUE", arg)
		}
		tags[key] = value
	}
	return tags, nil
}

func newTagsAddCmd() *cobra.Command {
	var (
		client clientFlags
		stream string
	)
	cmd := &cobra.Command{
		Use:     "add --stream NAME KEY=VALUE...",
		Short:   "Add tags to a stream, or change their values",
		Example: `  eddy tags add --stream orders team=checkout env=prod`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			tags, err := parseTags(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			_, err = kc.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: ref.name, StreamARN: ref.arn, Tags: tags})
			if err != nil {
				return apiError("tag stream "+ref.String(), err)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	return cmd
}

func newTagsListCmd() *cobra.Command {
	var (
		client clientFlags
		stream string
		output string
	)
	cmd := &cobra.Command{
		Use:   "list --stream NAME [--output text|json]",
		Short: "List the tags of a stream",
		Long:  "List a stream's tags, KEY=VALUE one a line sorted by key, or as one JSON object.",
		Example: `  eddy tags list --stream orders
  eddy tags list --stream orders --output json | jq -r .team`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			if output != "text" && output != "json" {
				return usageErrorf("--output must be text or json, got %q", output)
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			tags := map[string]string{}
			in := &kinesis.ListTagsForStreamInput{StreamName: ref.name, StreamARN: ref.arn}
			for {
				out, err := kc.ListTagsForStream(ctx, in)
				if err != nil {
					return apiError("list tags of "+ref.String(), err)
				}
				for _, t := range out.Tags {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				if !aws.ToBool(out.HasMoreTags) || len(out.Tags) == 0 {
					break
				}
				in.ExclusiveStartTagKey = out.Tags[len(out.Tags)-1].Key
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), tags)
			}
			for _, key := range slices.Sorted(maps.Keys(tags)) {
				fmt.Fprintf(cmd.OutOrStdout(), "%s=%s\n", key, tags[key])
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func newTagsRemoveCmd() *cobra.Command {
	var (
		client clientFlags
		stream string
	)
	cmd := &cobra.Command{
		Use:     "remove --stream NAME KEY...",
		Short:   "Remove tags from a stream",
		Example: `  eddy tags remove --stream orders env team`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			_, err = kc.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: ref.name, StreamARN: ref.arn, TagKeys: args})
			if err != nil {
				return apiError("remove tags from "+ref.String(), err)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	return cmd
}
