package kinesis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSubscriptionsTakeover(t *testing.T) {
	var ss subscriptions
	inUse := errors.New("in use")
	key := subKey{stream: 1, consumer: "c", created: 5, shard: 0}
	start := time.Unix(100, 0)
	newSub := func(at time.Time) (*subscription, context.Context) {
		ctx, cancel := context.WithCancelCause(context.Background())
		t.Cleanup(func() { cancel(nil) })
		return &subscription{started: at, cancel: cancel}, ctx
	}

	first, firstCtx := newSub(start)
	require.NoError(t, ss.add(key, first, 5*time.Second, inUse))
	young, _ := newSub(start.Add(4 * time.Second))
	require.ErrorIs(t, ss.add(key, young, 5*time.Second, inUse), inUse, "within 5 s")
	require.NoError(t, firstCtx.Err())

	second, secondCtx := newSub(start.Add(5 * time.Second))
	require.NoError(t, ss.add(key, second, 5*time.Second, inUse), "5 s later it takes over")
	require.ErrorIs(t, context.Cause(firstCtx), inUse)
	ss.remove(key, first) // the old one ending does not drop the new one
	require.Same(t, second, ss.m[key])

	other, otherCtx := newSub(start)
	require.NoError(t, ss.add(subKey{stream: 1, consumer: "c", created: 5, shard: 1}, other, 5*time.Second, inUse), "another shard")
	gone := errors.New("deregistered")
	ss.endConsumer(1, consumer{Name: "c", Created: 5}, gone)
	require.ErrorIs(t, context.Cause(secondCtx), gone)
	require.ErrorIs(t, context.Cause(otherCtx), gone)
	require.Empty(t, ss.m)

	ss.closeAll()
	late, _ := newSub(start)
	require.ErrorIs(t, ss.add(key, late, time.Second, inUse), errSubscriptionsClosed)
}
