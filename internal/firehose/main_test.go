package firehose

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: workers,
// source managers and sinks all stop with Service.Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
