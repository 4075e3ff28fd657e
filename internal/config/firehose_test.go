package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFirehoseSection(t *testing.T) {
	c, err := Parse([]byte(`
data_dir: /var/eddy
firehose:
  source_shards: 2
  retry_max: 5s
  buckets:
    archive: {endpoint: "http://127.0.0.1:7070", path_style: true, access_key_id: k, secret_access_key: s}
    scratch: {dir: /tmp/scratch}
  tables:
    shop.orders:
      - {name: id, type: bigint}
      - {name: amount, type: "decimal(10,2)"}
  transforms:
    enrich: http://127.0.0.1:9000/t
`))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	f := c.Firehose
	require.Equal(t, 2, f.SourceShards)
	require.Equal(t, 5*time.Second, f.RetryMax)
	require.Equal(t, time.Second, f.RetryBase, "unset settings keep defaults")
	require.Equal(t, FirehoseBucket{Endpoint: "http://127.0.0.1:7070", PathStyle: true, AccessKeyID: "k", SecretAccessKey: "s"}, f.Buckets["archive"])
	require.Equal(t, "/tmp/scratch", f.Buckets["scratch"].Dir)
	require.Equal(t, []FirehoseColumn{{"id", "bigint"}, {"amount", "decimal(10,2)"}}, f.Tables["shop.orders"])
	require.Equal(t, "/var/eddy/firehose/buckets", c.FirehoseBucketDir())
	c.Firehose.BucketDir = "/lake"
	require.Equal(t, "/lake", c.FirehoseBucketDir())

	_, err = Parse([]byte("firehose:\n  buckets:\n    a: {endpont: x}\n"))
	require.ErrorContains(t, err, "endpont")
}

func TestFirehoseValidate(t *testing.T) {
	c := Default()
	c.Firehose.SourceShards = 0
	c.Firehose.Retention = time.Minute
	c.Firehose.Buckets = map[string]FirehoseBucket{
		"both":    {Endpoint: "http://x", Dir: "/d"},
		"bad/one": {Dir: "/d"},
		"ftp":     {Endpoint: "ftp://x"},
		"half":    {Endpoint: "http://x", AccessKeyID: "k"},
	}
	c.Firehose.Tables = map[string][]FirehoseColumn{"nodot": {{"a", "int"}}, "db.empty": nil, "db.t": {{"", "int"}}}
	c.Firehose.Transforms = map[string]string{"t": "not a url"}
	err := c.Validate()
	for _, want := range []string{
		"firehose.source_shards", "firehose.retention", "buckets.both: set either", `"bad/one" is not a bucket name`,
		"buckets.ftp.endpoint", "buckets.half: set both", "tables.nodot", "tables.db.empty: no columns",
		"tables.db.t[0]", "transforms.t",
	} {
		require.ErrorContains(t, err, want)
	}
}
