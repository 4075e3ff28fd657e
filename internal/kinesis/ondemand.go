package kinesis

import (
	"context"
	"math/big"
	"slices"
	"time"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// On-demand scaling. Every OnDemand.CheckInterval the scaler looks at the
// open shards of ACTIVE ON_DEMAND streams; a shard whose average write
// rate over the last OnDemand.Sustain reached SplitBytesPerSecond or
// SplitRecordsPerSecond is split in two at the median of its recently
// written hash keys (see splitPoint). All hot
// shards of a stream split in one Reshard, under the same rules as
// SplitShard: the stream is UPDATING meanwhile, children's sequence
// numbers are above their parent's, and readers that follow the lineage
// keep per-key order. A child must itself stay hot for a whole window
// before it splits again. The account's shard limit caps the splits.

// scaler runs the on-demand checks until stop is closed.
func (h *Handler) scaler(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(h.opts.OnDemand.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			h.scaleOnDemand()
		}
	}
}

// scaleOnDemand runs one check of every on-demand stream.
func (h *Handler) scaleOnDemand() {
	now := h.opts.Now()
	od := &h.opts.OnDemand
	for _, s := range h.store.Streams() {
		if modeOf(s) != modeOnDemand || s.Status != catalog.StatusActive {
			continue
		}
		var hot []uint32
		for _, sh := range s.Shards {
			key := shardKey{s.ID, sh.Index}
			if sh.Closed {
				h.meters.drop(key)
				continue
			}
			m := h.meters.peek(key)
			if m == nil {
				continue
			}
			bytes, records, ok := m.writeRate(now, od.Sustain)
			if ok && (bytes >= float64(od.SplitBytesPerSecond) || records >= float64(od.SplitRecordsPerSecond)) {
				hot = append(hot, sh.Index)
			}
		}
		if len(hot) > 0 {
			h.splitHot(s.Name, s.ID, hot)
		}
	}
}

// splitHot splits the given open shards of a stream in two each.
func (h *Handler) splitHot(name string, id uint64, hot []uint32) {
	h.reshardMu.Lock()
	defer h.reshardMu.Unlock()
	s, err := h.store.Stream(name)
	if err != nil || s.ID != id || modeOf(s) != modeOnDemand || s.Status != catalog.StatusActive {
		return
	}
	open, _ := h.counts()
	room := h.opts.Limits.ShardLimit - open
	var closeList []uint32
	var create []storage.NewShard
	for _, idx := range hot {
		if room <= 0 {
			break
		}
		sh := s.Shards[idx]
		if sh.Closed {
			continue
		}
		var samples []seqnum.Uint128
		if m := h.meters.peek(shardKey{s.ID, idx}); m != nil {
			samples = m.sampledKeys()
		}
		split, ok := splitPoint(sh, samples)
		if !ok {
			continue
		}
		closeList = append(closeList, idx)
		create = append(create,
			storage.NewShard{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: sh.HashKeyStart, HashKeyEnd: new(big.Int).Sub(split, one).String()},
			storage.NewShard{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: split.String(), HashKeyEnd: sh.HashKeyEnd})
		room--
	}
	if len(closeList) == 0 {
		return
	}
	err = h.changeLayout(context.Background(), s, func(ctx context.Context) error {
		_, err := h.store.Reshard(ctx, name, closeList, create)
		return err
	})
	if err != nil {
		h.opts.Logger.Error("on-demand split", "stream", name, "error", err)
		return
	}
	h.opts.Logger.Info("on-demand split", "stream", name, "shards", len(closeList))
}

// splitPoint chooses where a hot shard splits: the first hash key of the
// upper child. It is the median of the recently written hash keys, so
// that each child takes about half the load, or the middle of the range
// when there are no samples. A shard whose samples are all one key (a
// single hot partition key) does not split: no split would share its
// load.
func splitPoint(sh catalog.Shard, samples []seqnum.Uint128) (*big.Int, bool) {
	start, end := bigKey(sh.HashKeyStart), bigKey(sh.HashKeyEnd)
	if end.Cmp(start) <= 0 {
		return nil, false
	}
	var keys []*big.Int
	for _, k := range samples {
		b := bigKey(k.String())
		if b.Cmp(start) >= 0 && b.Cmp(end) <= 0 { // routed here before a reshard
			keys = append(keys, b)
		}
	}
	if len(keys) == 0 {
		mid := new(big.Int).Add(start, end)
		mid.Rsh(mid, 1)
		return mid.Add(mid, one), true
	}
	slices.SortFunc(keys, func(a, b *big.Int) int { return a.Cmp(b) })
	if keys[0].Cmp(keys[len(keys)-1]) == 0 {
		return nil, false
	}
	// The upper child starts at the median, or at the first key above the
	// lowest if the lowest key is the median (the lower child must not be
	// empty of load).
	split := keys[len(keys)/2]
	if split.Cmp(keys[0]) == 0 {
		for _, k := range keys {
			if k.Cmp(split) > 0 {
				split = k
				break
			}
		}
	}
	return split, true
}
