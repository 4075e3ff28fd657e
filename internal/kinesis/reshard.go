package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Resharding: SplitShard, MergeShards and UpdateShardCount.
//
// Every change of layout is a storage Reshard: parents close and children
// open in one catalog transaction, so a crash leaves the old layout or the
// new one. UpdateShardCount is a series of such steps (splits at the new
// boundaries, then merges of adjacent pieces), each a valid split or merge,
// so that every shard has at most two parents and readers that follow the
// lineage keep per-key order.
//
// While a change runs, and for Options.StatusDelay after, the stream is
// UPDATING: a second change is refused with ResourceInUseException, as on
// AWS. reshardMu serializes all layout changes of the handler (API calls
// and on-demand scaling).

func (h *Handler) splitShard(ctx context.Context, in *splitShardInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.reqStr("shardToSplit", in.ShardToSplit, 1, 128, patternName)
	v.reqStr("newStartingHashKey", in.NewStartingHashKey, 0, 0, patternHashKey)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, s, err := h.lockForReshard(in.streamRef, "SplitShard")
	if err != nil {
		return nil, err
	}
	defer h.reshardMu.Unlock()
	sh, err := h.reshardShard(s, *in.ShardToSplit)
	if err != nil {
		return nil, err
	}
	if err := h.checkShardLimit(name, modeProvisioned, 1); err != nil {
		return nil, err
	}
	key, _ := new(big.Int).SetString(*in.NewStartingHashKey, 10)
	start, end := bigKey(sh.HashKeyStart), bigKey(sh.HashKeyEnd)
	if key.Cmp(new(big.Int).Add(start, one)) <= 0 || key.Cmp(end) >= 0 {
		return nil, invalidArgument("NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s "+
			"is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			*in.NewStartingHashKey, catalog.ShardID(sh.Index), name, h.opts.AccountID, sh.HashKeyStart, sh.HashKeyEnd)
	}
	parent := int64(sh.Index)
	create := []storage.NewShard{
		{ParentIndex: parent, AdjacentParentIndex: -1, HashKeyStart: sh.HashKeyStart, HashKeyEnd: new(big.Int).Sub(key, one).String()},
		{ParentIndex: parent, AdjacentParentIndex: -1, HashKeyStart: key.String(), HashKeyEnd: sh.HashKeyEnd},
	}
	return nil, h.changeLayout(ctx, s, func(ctx context.Context) error {
		_, err := h.store.Reshard(ctx, name, []uint32{sh.Index}, create)
		return err
	})
}

func (h *Handler) mergeShards(ctx context.Context, in *mergeShardsInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.reqStr("shardToMerge", in.ShardToMerge, 1, 128, patternName)
	v.reqStr("adjacentShardToMerge", in.AdjacentShardToMerge, 1, 128, patternName)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, s, err := h.lockForReshard(in.streamRef, "MergeShards")
	if err != nil {
		return nil, err
	}
	defer h.reshardMu.Unlock()
	a, err := h.reshardShard(s, *in.ShardToMerge)
	if err != nil {
		return nil, err
	}
	b, err := h.reshardShard(s, *in.AdjacentShardToMerge)
	if err != nil {
		return nil, err
	}
	if new(big.Int).Add(bigKey(a.HashKeyEnd), one).Cmp(bigKey(b.HashKeyStart)) != 0 {
		return nil, invalidArgument("Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging",
			catalog.ShardID(a.Index), catalog.ShardID(b.Index), name, h.opts.AccountID)
	}
	create := []storage.NewShard{{
		ParentIndex: int64(a.Index), AdjacentParentIndex: int64(b.Index),
		HashKeyStart: a.HashKeyStart, HashKeyEnd: b.HashKeyEnd,
	}}
	return nil, h.changeLayout(ctx, s, func(ctx context.Context) error {
		_, err := h.store.Reshard(ctx, name, []uint32{a.Index, b.Index}, create)
		return err
	})
}

// maxTargetShardCount is the model's bound of UpdateShardCount.
const maxTargetShardCount = 100000

func (h *Handler) updateShardCount(ctx context.Context, in *updateShardCountInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("targetShardCount", in.TargetShardCount != nil) {
		v.intRange("targetShardCount", in.TargetShardCount, 1, maxTargetShardCount)
	}
	if v.required("scalingType", in.ScalingType != nil) {
		v.enum("scalingType", in.ScalingType, []string{"UNIFORM_SCALING"})
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, s, err := h.lockForReshard(in.streamRef, "UpdateShardCount")
	if err != nil {
		return nil, err
	}
	defer h.reshardMu.Unlock()
	if s.Status != catalog.StatusActive {
		return nil, h.streamInUse(name, s.Status)
	}
	open := openShardCount(s)
	target := int(*in.TargetShardCount)
	if target > h.opts.Limits.ShardLimit {
		return nil, apiErr(errLimitExceeded, "Target shard count or number of open shards cannot be greater than %d. Current open shard count: %d, Target shard count: %d",
			h.opts.Limits.ShardLimit, open, target)
	}
	if target > 2*open {
		return nil, apiErr(errLimitExceeded, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d, Target shard count: %d",
			open, target)
	}
	if 2*target < open {
		return nil, apiErr(errLimitExceeded, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d, Target shard count: %d",
			open, target)
	}
	if target > open {
		if err := h.checkShardLimit(name, modeProvisioned, target-open); err != nil {
			return nil, err
		}
	}
	err = h.changeLayout(ctx, s, func(ctx context.Context) error { return h.scaleUniformly(ctx, name, target) })
	if err != nil {
		return nil, err
	}
	return &updateShardCountOutput{
		StreamName: name, StreamARN: h.streamARN(name),
		CurrentShardCount: int64(open), TargetShardCount: int64(target),
	}, nil
}

// scaleUniformly reshapes the open shards of a stream into target shards
// of equal hash ranges: first every open shard is split at the new
// boundaries inside it, then the pieces within each new range are merged
// pairwise, round after round, until one is left. Each round is one
// Reshard.
func (h *Handler) scaleUniformly(ctx context.Context, name string, target int) error {
	ranges := seqnum.SplitHashRange(target)
	bounds := make([]*big.Int, len(ranges)) // starts of the target ranges
	for i, r := range ranges {
		bounds[i] = bigKey(r.Start.String())
	}
	s, err := h.store.Stream(name)
	if err != nil {
		return err
	}
	// Splits.
	var closeList []uint32
	var create []storage.NewShard
	for _, sh := range s.Shards {
		if sh.Closed {
			continue
		}
		start, end := bigKey(sh.HashKeyStart), bigKey(sh.HashKeyEnd)
		pieceStart := start
		split := false
		for _, b := range bounds[1:] {
			if b.Cmp(start) <= 0 || b.Cmp(end) > 0 {
				continue
			}
			create = append(create, storage.NewShard{ParentIndex: int64(sh.Index), AdjacentParentIndex: -1,
				HashKeyStart: pieceStart.String(), HashKeyEnd: new(big.Int).Sub(b, one).String()})
			pieceStart, split = b, true
		}
		if split {
			create = append(create, storage.NewShard{ParentIndex: int64(sh.Index), AdjacentParentIndex: -1,
				HashKeyStart: pieceStart.String(), HashKeyEnd: sh.HashKeyEnd})
			closeList = append(closeList, sh.Index)
		}
	}
	if len(closeList) > 0 {
		if s, err = h.store.Reshard(ctx, name, closeList, create); err != nil {
			return err
		}
	}
	// Merges, in rounds of disjoint adjacent pairs.
	for {
		groups := make([][]catalog.Shard, len(bounds))
		for _, sh := range s.Shards {
			if sh.Closed {
				continue
			}
			start := bigKey(sh.HashKeyStart)
			i, _ := slices.BinarySearchFunc(bounds, start, func(b, k *big.Int) int { return b.Cmp(k) })
			if i == len(bounds) || bounds[i].Cmp(start) != 0 {
				i--
			}
			groups[i] = append(groups[i], sh)
		}
		closeList, create = nil, nil
		for _, g := range groups {
			slices.SortFunc(g, func(a, b catalog.Shard) int { return bigKey(a.HashKeyStart).Cmp(bigKey(b.HashKeyStart)) })
			for j := 0; j+1 < len(g); j += 2 {
				a, b := g[j], g[j+1]
				closeList = append(closeList, a.Index, b.Index)
				create = append(create, storage.NewShard{ParentIndex: int64(a.Index), AdjacentParentIndex: int64(b.Index),
					HashKeyStart: a.HashKeyStart, HashKeyEnd: b.HashKeyEnd})
			}
		}
		if len(closeList) == 0 {
			return nil
		}
		if s, err = h.store.Reshard(ctx, name, closeList, create); err != nil {
			return err
		}
	}
}

// changeLayout runs change with stream s UPDATING: it checks that s is
// ACTIVE, marks it UPDATING, runs change, and sets it back to ACTIVE after
// Options.StatusDelay (at once if change fails). The caller holds
// reshardMu.
func (h *Handler) changeLayout(ctx context.Context, s catalog.Stream, change func(context.Context) error) error {
	if s.Status != catalog.StatusActive {
		return h.streamInUse(s.Name, s.Status)
	}
	errState := errors.New("not active")
	_, err := h.store.UpdateStream(s.Name, func(st *catalog.Stream) error {
		if st.ID != s.ID {
			return storage.ErrStreamNotFound
		}
		if st.Status != catalog.StatusActive {
			s.Status = st.Status
			return errState
		}
		st.Status = catalog.StatusUpdating
		return nil
	})
	switch {
	case errors.Is(err, errState):
		return h.streamInUse(s.Name, s.Status)
	case errors.Is(err, storage.ErrStreamNotFound):
		return h.streamNotFound(s.Name)
	case err != nil:
		return err
	}
	// The change must not be cut short by the client going away: a
	// half-done UpdateShardCount is valid but not what was asked.
	cerr := change(context.WithoutCancel(ctx))
	name, id := s.Name, s.ID
	if cerr != nil {
		h.finishUpdate(name, id)
		if errors.Is(cerr, storage.ErrInvalidReshard) {
			return fmt.Errorf("reshard %s: %w", name, cerr)
		}
		return cerr
	}
	h.lifecycle.after(h.opts.StatusDelay, func() { h.finishUpdate(name, id) })
	return nil
}

// finishUpdate returns an UPDATING stream to ACTIVE.
func (h *Handler) finishUpdate(name string, id uint64) {
	_, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		if s.ID != id || s.Status != catalog.StatusUpdating {
			return errNoChange
		}
		s.Status = catalog.StatusActive
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, storage.ErrStreamNotFound) {
		h.opts.Logger.Error("finish stream update", "stream", name, "error", err)
	}
}

// reshardShard finds an open shard to split or merge, with AWS's errors.
func (h *Handler) reshardShard(s catalog.Stream, id string) (catalog.Shard, error) {
	idx, ok := parseShardID(id)
	if !ok || int(idx) >= len(s.Shards) {
		if ok {
			id = catalog.ShardID(idx)
		}
		return catalog.Shard{}, apiErr(errResourceNotFound, "Could not find shard %s in stream %s under account %s.", id, s.Name, h.opts.AccountID)
	}
	sh := s.Shards[idx]
	if sh.Closed {
		return catalog.Shard{}, invalidArgument("Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.",
			catalog.ShardID(idx), s.Name, h.opts.AccountID)
	}
	return sh, nil
}

// checkProvisioned refuses manual resharding of an ON_DEMAND stream,
// whose shards the service manages.
// lockForReshard resolves the stream, takes reshardMu and checks that op may
// change its layout. When it returns no error the caller holds reshardMu
// and must unlock it.
func (h *Handler) lockForReshard(ref streamRef, op string) (string, catalog.Stream, error) {
	name, err := h.streamName(ref)
	if err != nil {
		return "", catalog.Stream{}, err
	}
	h.reshardMu.Lock()
	s, err := h.lookup(name)
	if err == nil {
		err = h.checkProvisioned(s, op)
	}
	if err != nil {
		h.reshardMu.Unlock()
		return "", catalog.Stream{}, err
	}
	return name, s, nil
}

func (h *Handler) checkProvisioned(s catalog.Stream, op string) error {
	if modeOf(s) == modeOnDemand {
		return invalidArgument("%s is not supported for stream %s under account %s because it is in ON_DEMAND capacity mode.", op, s.Name, h.opts.AccountID)
	}
	return nil
}

var one = big.NewInt(1)

// bigKey parses a decimal hash key from the catalog.
func bigKey(s string) *big.Int {
	k, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return new(big.Int)
	}
	return k
}
