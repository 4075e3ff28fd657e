package kinesis

import (
	"context"
	"math/big"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// On-demand scaling. Every OnDemand.CheckInterval the scaler looks at the
// open shards of ACTIVE ON_DEMAND streams; a shard whose average write
// rate over the last OnDemand.Sustain reached SplitBytesPerSecond or
// SplitRecordsPerSecond is split at the middle of its hash range. All hot
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
		start, end := bigKey(sh.HashKeyStart), bigKey(sh.HashKeyEnd)
		if sh.Closed || new(big.Int).Sub(end, start).Cmp(one) < 0 {
			continue
		}
		mid := new(big.Int).Add(start, end)
		mid.Rsh(mid, 1)
		closeList = append(closeList, idx)
		create = append(create,
			storage.NewShard{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: sh.HashKeyStart, HashKeyEnd: mid.String()},
			storage.NewShard{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: new(big.Int).Add(mid, one).String(), HashKeyEnd: sh.HashKeyEnd})
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
