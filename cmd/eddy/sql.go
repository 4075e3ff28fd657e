package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	ka "github.com/eddy-streaming/eddy/internal/kinesisanalytics"
)

func init() { commands = append(commands, newSQLCmd) }

func newSQLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Run streaming SQL: applications (Kinesis Data Analytics) and live queries",
		Long: `Manage streaming SQL applications (the Kinesis Data Analytics for SQL API,
KinesisAnalytics_20150814) on Eddy, and run live queries.

An application is its SQL code (a .sql file in the KDA dialect, see docs/sql.md)
and a small YAML spec of its input stream, output streams and reference tables.
It runs inside eddy serve, reads and writes Eddy streams, and checkpoints its
state, so a stop and start (or a server restart) resumes with identical windows.

"eddy sql query" runs one SELECT STREAM against a stream in this process and
prints its rows as they come, like a live table.`,
		Example: `  cat > alerts.sql <<'EOF'
  CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), avg_price DOUBLE);
  CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker, AVG(price) FROM "SOURCE_SQL_STREAM_001"
    GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);
  EOF
  cat > alerts.yaml <<'EOF'
  input:
    stream: ticks
    columns:
      - {name: TICKER, type: VARCHAR(8), mapping: $.ticker}
      - {name: PRICE, type: DOUBLE, mapping: $.price}
  outputs:
    - {name: DESTINATION_SQL_STREAM, stream: averages, format: json}
  EOF
  eddy sql create --app alerts --code alerts.sql --spec alerts.yaml
  eddy sql start --app alerts --from trim-horizon
  eddy sql describe --app alerts
  eddy sql stop --app alerts
  eddy sql start --app alerts            # resumes at the last stopped point
  eddy sql query --stream ticks --from trim-horizon \
    'SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 100'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return usageErrorf("missing subcommand: create, update, start, stop, describe, list, delete or query")
		},
	}
	usageFlagErrors(cmd)
	for _, sub := range []*cobra.Command{
		newSQLCreateCmd(), newSQLUpdateCmd(), newSQLStartCmd(), newSQLStopCmd(),
		newSQLDescribeCmd(), newSQLListCmd(), newSQLDeleteCmd(), newSQLQueryCmd(),
	} {
		usageFlagErrors(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

func requireApp(name string) error {
	if strings.TrimSpace(name) == "" {
		return usageErrorf("--app is required")
	}
	return nil
}

func newSQLCreateCmd() *cobra.Command {
	var (
		client          clientFlags
		app, code, spec string
	)
	cmd := &cobra.Command{
		Use:   "create --app NAME --code FILE.sql --spec FILE.yaml",
		Short: "Create an application from a SQL file and a YAML spec",
		Long: `Create an application (CreateApplication): its code from --code ("-" reads
standard input), its input, outputs and reference tables from --spec:

  description: optional text
  input:
    stream: ticks              # a stream name or ARN
    format: json               # json (default) or csv
    parallelism: 1             # SOURCE_SQL_STREAM_001..00n, shards spread over them
    name_prefix: SOURCE_SQL_STREAM
    columns:                   # omitted: discovered from the stream's records
      - {name: TICKER, type: VARCHAR(8), mapping: $.ticker}
  outputs:                     # up to 3
    - {name: DESTINATION_SQL_STREAM, stream: out, format: json}   # or csv
    - {name: error_stream, stream: errors}
  references:
    - table: COMPANY
      file: companies.csv      # relative to the spec; or bucket: b, key: k
      format: csv
      columns: [{name: TICKER, type: VARCHAR(8)}, {name: NAME, type: VARCHAR(64)}]

The application is created READY; start it with "eddy sql start".`,
		Example: `  eddy sql create --app alerts --code alerts.sql --spec alerts.yaml`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			if code == "" || spec == "" {
				return usageErrorf("--code and --spec are required")
			}
			s, err := loadSQLSpec(spec)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			sqlText, err := readCode(code, cmd.InOrStdin())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			req, err := api.createRequest(ctx, app, sqlText, s)
			if err != nil {
				return err
			}
			if err := api.call(ctx, "CreateApplication", req, nil); err != nil {
				return apiError("create application "+app, err)
			}
			role := *req.Inputs[0].KinesisStreamsInput.RoleARN
			for i := range s.References {
				if err := api.call(ctx, "AddApplicationReferenceDataSource", ka.AddApplicationReferenceDataSourceInput{
					ApplicationName: ptrTo(app), CurrentApplicationVersionId: ptrTo(int64(1 + i)),
					ReferenceDataSource: referenceRequest(&s.References[i], role)}, nil); err != nil {
					return apiError("add reference table "+s.References[i].Table+" to "+app, err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created application %s\n", app)
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	cmd.Flags().StringVar(&code, "code", "", `SQL file ("-": standard input)`)
	cmd.Flags().StringVar(&spec, "spec", "", "YAML spec of the input, outputs and reference tables")
	return cmd
}

func newSQLUpdateCmd() *cobra.Command {
	var (
		client    clientFlags
		app, code string
	)
	cmd := &cobra.Command{
		Use:   "update --app NAME --code FILE.sql",
		Short: "Replace an application's code",
		Long: `Replace an application's code (UpdateApplication). A running application
restarts on the new code from where it stopped reading, with fresh windows.`,
		Example: `  eddy sql update --app alerts --code alerts-v2.sql`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			if code == "" {
				return usageErrorf("--code is required")
			}
			sqlText, err := readCode(code, cmd.InOrStdin())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			d, _, err := api.describe(ctx, app)
			if err != nil {
				return err
			}
			if err := api.call(ctx, "UpdateApplication", ka.UpdateApplicationInput{ApplicationName: ptrTo(app),
				CurrentApplicationVersionId: ptrTo(d.ApplicationVersionId),
				ApplicationUpdate:           &ka.ApplicationUpdate{ApplicationCodeUpdate: ptrTo(sqlText)}}, nil); err != nil {
				return apiError("update application "+app, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated application %s to version %d\n", app, d.ApplicationVersionId+1)
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	cmd.Flags().StringVar(&code, "code", "", `SQL file ("-": standard input)`)
	return cmd
}

func newSQLStartCmd() *cobra.Command {
	var (
		client    clientFlags
		app, from string
		wait      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "start --app NAME [--from last-stopped-point|now|trim-horizon]",
		Short: "Start an application",
		Long: `Start an application (StartApplication) and wait until it is RUNNING.

--from is where its input starts: last-stopped-point (the default) resumes from
the checkpoint of the last stop, with the windows that were open then (a first
start reads from now); now reads new records only; trim-horizon reads the
stream from its oldest record. now and trim-horizon discard the checkpoint.`,
		Example: `  eddy sql start --app alerts --from trim-horizon
  eddy sql start --app alerts`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			position, ok := map[string]string{"last-stopped-point": "LAST_STOPPED_POINT", "now": "NOW", "trim-horizon": "TRIM_HORIZON"}[from]
			if !ok {
				return usageErrorf("--from must be last-stopped-point, now or trim-horizon, got %q", from)
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			d, _, err := api.describe(ctx, app)
			if err != nil {
				return err
			}
			var configs []ka.InputConfiguration
			for _, in := range d.InputDescriptions {
				configs = append(configs, ka.InputConfiguration{Id: ptrTo(in.InputId),
					InputStartingPositionConfiguration: &ka.InputStartingPositionConfiguration{InputStartingPosition: ptrTo(position)}})
			}
			if err := api.call(ctx, "StartApplication", ka.StartApplicationInput{ApplicationName: ptrTo(app), InputConfigurations: configs}, nil); err != nil {
				return apiError("start application "+app, err)
			}
			deadline := time.Now().Add(wait)
			for {
				d, _, err := api.describe(ctx, app)
				if err != nil {
					return err
				}
				if d.ApplicationStatus == "RUNNING" {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("application %s is %s after %v", app, d.ApplicationStatus, wait)
				}
				time.Sleep(100 * time.Millisecond)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "application %s is RUNNING\n", app)
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	cmd.Flags().StringVar(&from, "from", "last-stopped-point", "input starting position: last-stopped-point, now or trim-horizon")
	cmd.Flags().DurationVar(&wait, "wait", time.Minute, "how long to wait for RUNNING")
	return cmd
}

func newSQLStopCmd() *cobra.Command {
	var (
		client clientFlags
		app    string
	)
	cmd := &cobra.Command{
		Use:   "stop --app NAME",
		Short: "Stop an application (with a final checkpoint)",
		Long: `Stop an application (StopApplication). It writes its pending output and a
final checkpoint, from which "eddy sql start" resumes.`,
		Example: `  eddy sql stop --app alerts`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			if err := api.call(ctx, "StopApplication", map[string]any{"ApplicationName": app}, nil); err != nil {
				return apiError("stop application "+app, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "application %s is stopped\n", app)
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	return cmd
}

func newSQLDeleteCmd() *cobra.Command {
	var (
		client clientFlags
		app    string
	)
	cmd := &cobra.Command{
		Use:     "delete --app NAME",
		Short:   "Delete an application (stopping it first)",
		Example: `  eddy sql delete --app alerts`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			d, _, err := api.describe(ctx, app)
			if err != nil {
				return err
			}
			if err := api.call(ctx, "DeleteApplication", map[string]any{"ApplicationName": app,
				"CreateTimestamp": json.Number(fmt.Sprintf("%.3f", d.CreateTimestamp))}, nil); err != nil {
				return apiError("delete application "+app, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted application %s\n", app)
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	return cmd
}

func newSQLListCmd() *cobra.Command {
	var client clientFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List applications and their status",
		Example: `  eddy sql list`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			var start *string
			for {
				var out ka.ListApplicationsOutput
				if err := api.call(ctx, "ListApplications", ka.ListApplicationsInput{ExclusiveStartApplicationName: start}, &out); err != nil {
					return apiError("list applications", err)
				}
				for _, s := range out.ApplicationSummaries {
					fmt.Fprintf(w, "%s\t%s\n", s.ApplicationName, s.ApplicationStatus)
				}
				if !out.HasMoreApplications || len(out.ApplicationSummaries) == 0 {
					break
				}
				start = ptrTo(out.ApplicationSummaries[len(out.ApplicationSummaries)-1].ApplicationName)
			}
			return w.Flush()
		},
	}
	client.register(cmd.Flags())
	return cmd
}

func newSQLDescribeCmd() *cobra.Command {
	var (
		client      clientFlags
		app, output string
	)
	cmd := &cobra.Command{
		Use:   "describe --app NAME [--output text|json]",
		Short: "Show an application: status, input, outputs, rows in and out per pump, lag",
		Long: `Describe an application (DescribeApplication). The text form shows its status
and version, input, outputs and reference tables, and while it runs the records
read and written, the lag of its time behind the clock, and each pump's rows in,
rows out and errors. --output json prints the whole ApplicationDetail, with
Eddy's EddyRuntime member.`,
		Example: `  eddy sql describe --app alerts
  eddy sql describe --app alerts --output json | jq .EddyRuntime.Pumps`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireApp(app); err != nil {
				return err
			}
			if output != "text" && output != "json" {
				return usageErrorf("--output must be text or json, got %q", output)
			}
			ctx := cmd.Context()
			api, err := client.newAnalyticsAPI(ctx)
			if err != nil {
				return err
			}
			d, raw, err := api.describe(ctx, app)
			if err != nil {
				return err
			}
			if output == "json" {
				var b bytes.Buffer
				if err := json.Indent(&b, raw, "", "  "); err != nil {
					return err
				}
				b.WriteByte('\n')
				_, err := cmd.OutOrStdout().Write(b.Bytes())
				return err
			}
			return printApplication(cmd.OutOrStdout(), d)
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&app, "app", "", "application name")
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json")
	return cmd
}

func streamNameOf(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func printApplication(out io.Writer, d *applicationDetail) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "application\t%s\n", d.ApplicationName)
	fmt.Fprintf(w, "status\t%s\n", d.ApplicationStatus)
	fmt.Fprintf(w, "version\t%d\n", d.ApplicationVersionId)
	for _, in := range d.InputDescriptions {
		src := ""
		if in.KinesisStreamsInputDescription != nil {
			src = "stream " + streamNameOf(in.KinesisStreamsInputDescription.ResourceARN)
		} else if in.KinesisFirehoseInputDescription != nil {
			src = "delivery stream " + streamNameOf(in.KinesisFirehoseInputDescription.ResourceARN)
		}
		var cols []string
		for _, c := range in.InputSchema.RecordColumns {
			cols = append(cols, strings.TrimSpace(c.Name+" "+c.SqlType+" "+c.Mapping))
		}
		pos := ""
		if in.InputStartingPositionConfiguration != nil {
			pos = ", started at " + in.InputStartingPositionConfiguration.InputStartingPosition
		}
		fmt.Fprintf(w, "input %s\t%s -> %s (%s: %s)%s\n", in.InputId, src, strings.Join(in.InAppStreamNames, ", "),
			in.InputSchema.RecordFormat.RecordFormatType, strings.Join(cols, ", "), pos)
	}
	for _, o := range d.OutputDescriptions {
		dst := ""
		if o.KinesisStreamsOutputDescription != nil {
			dst = "stream " + streamNameOf(o.KinesisStreamsOutputDescription.ResourceARN)
		} else if o.KinesisFirehoseOutputDescription != nil {
			dst = "delivery stream " + streamNameOf(o.KinesisFirehoseOutputDescription.ResourceARN)
		}
		fmt.Fprintf(w, "output %s\t%s -> %s (%s)\n", o.OutputId, o.Name, dst, o.DestinationSchema.RecordFormatType)
	}
	for _, r := range d.ReferenceDataSourceDescriptions {
		fmt.Fprintf(w, "reference %s\t%s <- %s %s\n", r.ReferenceId, r.TableName, r.S3ReferenceDataSourceDescription.BucketARN,
			r.S3ReferenceDataSourceDescription.FileKey)
	}
	if rt := d.EddyRuntime; rt != nil {
		fmt.Fprintf(w, "records\tin %d, out %d, checkpoints %d, lag %.1fs\n", rt.RecordsIn, rt.RecordsOut, rt.Checkpoints,
			float64(rt.LagMillis)/1000)
		for _, p := range rt.Pumps {
			if p.Name == "(input)" {
				fmt.Fprintf(w, "input errors\t%d\n", p.Errors)
				continue
			}
			fmt.Fprintf(w, "pump %s\trows in %d, out %d, errors %d\n", p.Name, p.RowsIn, p.RowsOut, p.Errors)
		}
		if rt.LastError != "" {
			fmt.Fprintf(w, "last error\t%s\n", rt.LastError)
		}
	}
	return w.Flush()
}
