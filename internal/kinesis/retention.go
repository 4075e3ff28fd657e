package kinesis

import (
	"context"
	"errors"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Retention: IncreaseStreamRetentionPeriod and DecreaseStreamRetentionPeriod.

// AWS's retention bounds, in hours.
const (
	minRetentionHours = 24
	maxRetentionHours = 8760
)

func (h *Handler) increaseRetention(_ context.Context, in *retentionInput) (any, error) {
	return nil, h.changeRetention(in, true)
}

func (h *Handler) decreaseRetention(_ context.Context, in *retentionInput) (any, error) {
	return nil, h.changeRetention(in, false)
}

func (h *Handler) changeRetention(in *retentionInput, increase bool) error {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("retentionPeriodHours", in.RetentionPeriodHours != nil) {
		v.intRange("retentionPeriodHours", in.RetentionPeriodHours, 1, 0)
	}
	if err := v.err(); err != nil {
		return err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return err
	}
	hours := *in.RetentionPeriodHours
	if _, err := h.active(name); err != nil {
		return err
	}
	if hours < minRetentionHours {
		return invalidArgument("Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", minRetentionHours, hours)
	}
	if hours > maxRetentionHours {
		return invalidArgument("Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", maxRetentionHours, hours)
	}
	errState := errors.New("not active")
	var current int64
	_, err = h.store.UpdateStream(name, func(s *catalog.Stream) error {
		if s.Status != catalog.StatusActive {
			return errState
		}
		current = retentionHours(*s)
		if increase && hours < current {
			return invalidArgument("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.",
				hours, name, current)
		}
		if !increase && hours > current {
			return invalidArgument("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.",
				hours, name, current)
		}
		s.Retention = time.Duration(hours) * time.Hour
		return nil
	})
	switch {
	case errors.Is(err, errState):
		s, _ := h.lookup(name)
		return h.streamInUse(name, s.Status)
	case err != nil:
		return h.storeErr(name, err)
	}
	return nil
}

// storeErr translates a stream-level store error with the stream's name.
func (h *Handler) storeErr(name string, err error) error {
	if isNotFound(err) {
		return h.streamNotFound(name)
	}
	return err
}
