package kinesis

import (
	"testing"

	"go.uber.org/goleak"
)

// The handler starts the on-demand scaler and status timers; Close must
// stop them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
