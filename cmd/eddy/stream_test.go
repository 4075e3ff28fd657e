package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

func TestMiddleHashKey(t *testing.T) {
	key := func(start, end string) string {
		k, err := middleHashKey(&types.HashKeyRange{StartingHashKey: aws.String(start), EndingHashKey: aws.String(end)})
		require.NoError(t, err)
		return k
	}
	require.Equal(t, "170141183460469231731687303715884105728", key("0", "340282366920938463463374607431768211455"))
	require.Equal(t, "2", key("1", "2"))
	require.Equal(t, "11", key("10", "11"))
	require.Equal(t, "13", key("10", "15"))
	_, err := middleHashKey(&types.HashKeyRange{StartingHashKey: aws.String("5"), EndingHashKey: aws.String("5")})
	require.Equal(t, exitUsage, exitCode(err))
}

func TestParseTagsAndMetricNames(t *testing.T) {
	tags, err := parseTags([]string{"team=web", "empty=", "eq=a=b"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"team": "web", "empty": "", "eq": "a=b"}, tags)
	for _, bad := range []string{"novalue", "=x"} {
		_, err := parseTags([]string{bad})
		require.Equal(t, exitUsage, exitCode(err), bad)
	}

	names, err := parseMetricNames("--enable", []string{"incomingbytes", "IncomingRecords", "IncomingBytes"})
	require.NoError(t, err)
	require.Equal(t, []string{"IncomingBytes", "IncomingRecords"}, names)
	names, err = parseMetricNames("--enable", []string{"IncomingBytes", "all"})
	require.NoError(t, err)
	require.Equal(t, []string{"ALL"}, names)
	_, err = parseMetricNames("--enable", []string{"Latency"})
	require.Equal(t, exitUsage, exitCode(err))
}
