package sink

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgreSQL loads records into a table with COPY, exactly once per
// source position: the rows of a batch and the batch's progress marker
// (table eddy_firehose_progress) are written in one transaction, and a
// replayed batch skips the records at or below the marker.
type PostgreSQL struct {
	// Table is the target table, optionally schema-qualified.
	Table string
	// Columns mode maps each JSON record's keys to the table's columns
	// (jsonb_populate_record); otherwise each record goes, as jsonb, into
	// JSONBColumn.
	Columns     bool
	JSONBColumn string

	connString string
	mu         sync.Mutex
	pool       *pgxpool.Pool
	ready      bool
}

// NewPostgreSQL returns a sink; it connects on first use.
func NewPostgreSQL(connString, table string, columns bool, jsonbColumn string) *PostgreSQL {
	if jsonbColumn == "" {
		jsonbColumn = "data"
	}
	return &PostgreSQL{connString: connString, Table: table, Columns: columns, JSONBColumn: jsonbColumn}
}

// Row is one record to load, with its source position.
type Row struct {
	Offset uint64
	Sub    uint32
	Data   []byte
}

const progressDDL = `CREATE TABLE IF NOT EXISTS eddy_firehose_progress (
	delivery_stream text NOT NULL,
	buffer_key text NOT NULL,
	shard bigint NOT NULL,
	last_offset numeric(20) NOT NULL,
	last_sub bigint NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (delivery_stream, buffer_key, shard))`

func (p *PostgreSQL) connect(ctx context.Context) (*pgxpool.Pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool == nil {
		pool, err := pgxpool.New(ctx, p.connString)
		if err != nil {
			return nil, &PermanentError{fmt.Errorf("parse connection string: %w", err)}
		}
		p.pool = pool
	}
	if !p.ready {
		if _, err := p.pool.Exec(ctx, progressDDL); err != nil {
			return nil, fmt.Errorf("create progress table: %w", err)
		}
		p.ready = true
	}
	return p.pool, nil
}

// Deliver loads rows (in source order) for one buffer of a delivery
// stream in one transaction.
func (p *PostgreSQL) Deliver(ctx context.Context, stream, key string, shard uint32, rows []Row) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	var lastOffset, lastSub int64 = -1, -1
	err = tx.QueryRow(ctx, `SELECT last_offset::bigint, last_sub FROM eddy_firehose_progress
		WHERE delivery_stream = $1 AND buffer_key = $2 AND shard = $3 FOR UPDATE`, stream, key, int64(shard)).Scan(&lastOffset, &lastSub)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read progress: %w", err)
	}
	todo := rows[:0:0]
	for _, r := range rows {
		if int64(r.Offset) > lastOffset || int64(r.Offset) == lastOffset && int64(r.Sub) > lastSub {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	target := pgx.Identifier(splitTable(p.Table))
	copyInto := target
	if p.Columns {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS eddy_firehose_stage (doc jsonb) ON COMMIT DELETE ROWS`); err != nil {
			return classify(fmt.Errorf("create staging table: %w", err))
		}
		copyInto = pgx.Identifier{"eddy_firehose_stage"}
	}
	column := p.JSONBColumn
	if p.Columns {
		column = "doc"
	}
	_, err = tx.CopyFrom(ctx, copyInto, []string{column}, pgx.CopyFromSlice(len(todo), func(i int) ([]any, error) {
		return []any{string(todo[i].Data)}, nil
	}))
	if err != nil {
		return classify(fmt.Errorf("copy into %s: %w", p.Table, err))
	}
	if p.Columns {
		q := fmt.Sprintf(`INSERT INTO %s SELECT (jsonb_populate_record(NULL::%s, doc)).* FROM eddy_firehose_stage`,
			target.Sanitize(), target.Sanitize())
		if _, err := tx.Exec(ctx, q); err != nil {
			return classify(fmt.Errorf("insert into %s: %w", p.Table, err))
		}
	}
	last := todo[len(todo)-1]
	_, err = tx.Exec(ctx, `INSERT INTO eddy_firehose_progress (delivery_stream, buffer_key, shard, last_offset, last_sub)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (delivery_stream, buffer_key, shard) DO UPDATE
		SET last_offset = EXCLUDED.last_offset, last_sub = EXCLUDED.last_sub, updated_at = now()`,
		stream, key, int64(shard), int64(last.Offset), int64(last.Sub))
	if err != nil {
		return fmt.Errorf("write progress: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func splitTable(t string) []string {
	for i := 0; i < len(t); i++ {
		if t[i] == '.' {
			return []string{t[:i], t[i+1:]}
		}
	}
	return []string{t}
}

// classify marks errors about the table's shape or the data as permanent:
// retrying cannot fix them.
func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "42", "22", "23": // syntax/undefined object, data exception, constraint
			return &PermanentError{err}
		}
	}
	return err
}

// Close releases the connections.
func (p *PostgreSQL) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
}
