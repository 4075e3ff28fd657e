package sql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Checkpoint layout (part of the on-disk format; see docs/sql-design.md):
//
//	magic "EDSQLCK1" | u32 version | u64 program fingerprint
//	| inputs: count, per input: count, per shard (sorted): shard, position
//	| graph state (exec.Graph.Save)
//	| u32 CRC32C of everything before it
const (
	checkpointMagic   = "EDSQLCK1"
	checkpointVersion = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptCheckpoint is returned for snapshot bytes that fail their
// checksum or do not decode.
var ErrCorruptCheckpoint = errors.New("corrupt checkpoint")

// Snapshot returns the engine's whole state: input positions and operator
// state. Take it between records (after Process returned) and save it only
// once every output returned so far is acknowledged.
func (e *Engine) Snapshot() []byte {
	enc := value.Encoder{Buf: []byte(checkpointMagic)}
	enc.Buf = binary.LittleEndian.AppendUint32(enc.Buf, checkpointVersion)
	enc.Buf = binary.LittleEndian.AppendUint64(enc.Buf, e.fingerprint)
	enc.Uvarint(uint64(len(e.positions)))
	for _, pos := range e.positions {
		shards := make([]string, 0, len(pos))
		for s := range pos {
			shards = append(shards, s)
		}
		sort.Strings(shards)
		enc.Uvarint(uint64(len(shards)))
		for _, s := range shards {
			enc.String(s)
			enc.String(pos[s])
		}
	}
	e.graph.Save(&enc)
	return binary.LittleEndian.AppendUint32(enc.Buf, crc32.Checksum(enc.Buf, crcTable))
}

// Restore replaces the engine's state with a snapshot. The engine must be
// fresh (nothing processed yet) and built from the same Config.
func (e *Engine) Restore(snap []byte) error {
	if len(snap) < len(checkpointMagic)+16 || string(snap[:len(checkpointMagic)]) != checkpointMagic {
		return ErrCorruptCheckpoint
	}
	body, sum := snap[:len(snap)-4], binary.LittleEndian.Uint32(snap[len(snap)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return ErrCorruptCheckpoint
	}
	rest := body[len(checkpointMagic):]
	if v := binary.LittleEndian.Uint32(rest); v != checkpointVersion {
		return fmt.Errorf("checkpoint version %d is not supported", v)
	}
	if fp := binary.LittleEndian.Uint64(rest[4:]); fp != e.fingerprint {
		return ErrCheckpointMismatch
	}
	d := value.Decoder{Buf: rest[12:]}
	n := d.Len()
	if d.Err() == nil && n != len(e.positions) {
		return ErrCheckpointMismatch
	}
	positions := make([]map[string]string, len(e.positions))
	for i := range positions {
		m := d.Len()
		positions[i] = make(map[string]string, m)
		for range m {
			s := d.String()
			positions[i][s] = d.String()
		}
	}
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	if err := e.graph.Load(&d); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	if len(d.Buf) != 0 {
		return ErrCorruptCheckpoint
	}
	e.positions = positions
	return nil
}
