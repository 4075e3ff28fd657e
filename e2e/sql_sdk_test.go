package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	katypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

// TestSQLApplicationSDK creates an application with the AWS SDK's
// kinesisanalytics client over a stream fed by producers; its tumbling
// windows land in another stream. The application is stopped while the
// producers go on and started again from LAST_STOPPED_POINT: every window
// is then exactly what the engine computes over the whole input, and none
// is written twice.
func TestSQLApplicationSDK(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.Analytics.CheckpointInterval = 100 * time.Millisecond })
	ts.createStream(t, "sql-in", 2)
	ts.createStream(t, "sql-out", 1)
	ac := newAnalyticsClient(ts.url)

	inputs, outputs := sqlWindowInput("sql-in", "sql-out")
	_, err := ac.CreateApplication(ctx(t), &ka.CreateApplicationInput{ApplicationName: aws.String("windows"),
		ApplicationCode: aws.String(sqlWindowCode), Inputs: inputs, Outputs: outputs})
	require.NoError(t, err)
	start := func(pos katypes.InputStartingPosition) {
		_, err := ac.StartApplication(ctx(t), &ka.StartApplicationInput{ApplicationName: aws.String("windows"),
			InputConfigurations: []katypes.InputConfiguration{{Id: aws.String("1.1"),
				InputStartingPositionConfiguration: &katypes.InputStartingPositionConfiguration{InputStartingPosition: pos}}}})
		require.NoError(t, err)
	}
	start(katypes.InputStartingPositionNow)

	n := produce(t, ts.client, "sql-in", 0, 3, 1500*time.Millisecond, 5*time.Millisecond)
	require.Eventually(t, func() bool { return len(readStream(t, ts.client, "sql-out")) > 0 }, 10*time.Second, 50*time.Millisecond)
	_, err = ac.StopApplication(ctx(t), &ka.StopApplicationInput{ApplicationName: aws.String("windows")})
	require.NoError(t, err)
	d, err := ac.DescribeApplication(ctx(t), &ka.DescribeApplicationInput{ApplicationName: aws.String("windows")})
	require.NoError(t, err)
	require.Equal(t, katypes.ApplicationStatusReady, d.ApplicationDetail.ApplicationStatus)

	n += produce(t, ts.client, "sql-in", 100_000, 3, 700*time.Millisecond, 5*time.Millisecond)
	start(katypes.InputStartingPositionLastStoppedPoint)
	n += produce(t, ts.client, "sql-in", 200_000, 3, 700*time.Millisecond, 5*time.Millisecond)

	in := readStream(t, ts.client, "sql-in")
	require.Len(t, in, n)
	want := expectedWindows(t, in)
	var got []string
	require.Eventually(t, func() bool {
		got = dataOf(readStream(t, ts.client, "sql-out"))
		return len(got) >= len(want)
	}, 15*time.Second, 100*time.Millisecond)
	require.Equal(t, want, got, "every window once, as computed over the whole input")

	d, err = ac.DescribeApplication(ctx(t), &ka.DescribeApplicationInput{ApplicationName: aws.String("windows")})
	require.NoError(t, err)
	require.Equal(t, katypes.ApplicationStatusRunning, d.ApplicationDetail.ApplicationStatus)
	require.Equal(t, katypes.InputStartingPositionLastStoppedPoint,
		d.ApplicationDetail.InputDescriptions[0].InputStartingPositionConfiguration.InputStartingPosition)
}
