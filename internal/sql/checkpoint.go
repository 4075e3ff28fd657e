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

// RestorePositions takes only the input positions from a snapshot, even
// one made by another version of the application: after an update, KDA
// resumes reading where it stopped but starts its windows afresh.
func (e *Engine) RestorePositions(snap []byte) error {
	d, err := e.openSnapshot(snap, false)
	if err != nil {
		return err
	}
	positions, err := e.readPositions(&d)
	if err != nil {
		return err
	}
	e.positions = positions
	return nil
}

func (e *Engine) openSnapshot(snap []byte, checkFingerprint bool) (value.Decoder, error) {
	if len(snap) < len(checkpointMagic)+16 || string(snap[:len(checkpointMagic)]) != checkpointMagic {
		return value.Decoder{}, ErrCorruptCheckpoint
	}
	body, sum := snap[:len(snap)-4], binary.LittleEndian.Uint32(snap[len(snap)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return value.Decoder{}, ErrCorruptCheckpoint
	}
	rest := body[len(checkpointMagic):]
	if v := binary.LittleEndian.Uint32(rest); v != checkpointVersion {
		return value.Decoder{}, fmt.Errorf("checkpoint version %d is not supported", v)
	}
	if fp := binary.LittleEndian.Uint64(rest[4:]); checkFingerprint && fp != e.fingerprint {
		return value.Decoder{}, ErrCheckpointMismatch
	}
	return value.Decoder{Buf: rest[12:]}, nil
}

func (e *Engine) readPositions(d *value.Decoder) ([]map[string]string, error) {
	n := d.Len()
	if d.Err() == nil && n != len(e.positions) {
		return nil, ErrCheckpointMismatch
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
		return nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	return positions, nil
}

// Restore replaces the engine's state with a snapshot. The engine must be
// fresh (nothing processed yet) and built from the same Config.
func (e *Engine) Restore(snap []byte) error {
	d, err := e.openSnapshot(snap, true)
	if err != nil {
		return err
	}
	positions, err := e.readPositions(&d)
	if err != nil {
		return err
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

// CheckpointPositions returns the input positions of a checkpoint, shard
// → position, over all its inputs, without an engine: whatever program
// or input configuration made it. A server uses it to resume reading
// where an application stopped when its inputs changed so much (their
// number, after a new InputParallelism) that even RestorePositions
// refuses the checkpoint.
func CheckpointPositions(snap []byte) (map[string]string, error) {
	e := &Engine{}
	d, err := e.openSnapshot(snap, false)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	n := d.Len()
	for range n {
		m := d.Len()
		for range m {
			s := d.String()
			out[s] = d.String()
		}
		if d.Err() != nil {
			break
		}
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	return out, nil
}
