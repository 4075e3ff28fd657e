package main

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		code int
		msg  string
	}{
		{&types.ResourceNotFoundException{Message: new("Stream s not found.")}, exitNotFound,
			"describe: ResourceNotFoundException: Stream s not found."},
		{&smithy.GenericAPIError{Code: "ResourceInUseException", Message: "Stream s exists."}, exitInUse,
			"describe: ResourceInUseException: Stream s exists."},
		{&smithy.GenericAPIError{Code: "LimitExceededException", Message: "Too many."}, exitFailure,
			"describe: LimitExceededException: Too many."},
		{fmt.Errorf("operation error: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), exitUnreachable,
			"describe: cannot reach the endpoint: dial tcp: connection refused"},
		{errors.New("boom"), exitFailure, "describe: boom"},
		{usageErrorf("bad"), exitUsage, "bad"},
	}
	for _, tt := range tests {
		err := apiError("describe", tt.err)
		require.Equal(t, tt.code, exitCode(err), "%v", tt.err)
		require.EqualError(t, err, tt.msg)
	}
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, apiError("x", &types.ResourceNotFoundException{}), &notFound, "the SDK's error is still there")
}
