package sql

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

func TestCheckpointPositions(t *testing.T) {
	typ, _ := value.ParseType("INTEGER")
	schema := input.Schema{Format: input.CSV, Columns: []input.Column{{Name: "V", Type: typ}}}
	e, err := NewEngine(Config{Code: `CREATE OR REPLACE STREAM "OUT" (v INTEGER);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "OUT" SELECT STREAM v FROM "S_001";
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "OUT" SELECT STREAM v FROM "S_002";`,
		Inputs: []InputConfig{{Name: "S_001", Schema: schema}, {Name: "S_002", Schema: schema}}})
	require.NoError(t, err)
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	e.Process(0, Record{Shard: "shardId-000000000000", Data: []byte("1"), ArrivalTime: at, Position: "10"})
	e.Process(1, Record{Shard: "shardId-000000000001", Data: []byte("2"), ArrivalTime: at, Position: "11"})
	e.Process(0, Record{Shard: "shardId-000000000002", Data: []byte("3"), ArrivalTime: at, Position: "12"})
	got, err := CheckpointPositions(e.Snapshot())
	require.NoError(t, err)
	require.Equal(t, map[string]string{"shardId-000000000000": "10", "shardId-000000000001": "11", "shardId-000000000002": "12"}, got)

	_, err = CheckpointPositions([]byte("nonsense"))
	require.ErrorIs(t, err, ErrCorruptCheckpoint)
}
