package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Account settings: DescribeAccountSettings and UpdateAccountSettings.
// The only setting is the minimum throughput billing commitment, which
// has no effect here beyond being recorded: once ENABLED it can be
// DISABLED only after a minimum term (24 hours, as on AWS); before that
// it stays ENABLED_UNTIL_EARLIEST_ALLOWED_END.

// commitmentTerm is the minimum life of a billing commitment.
const commitmentTerm = 24 * time.Hour

// accountSettings is the persisted state (JSON in Options.SettingsFile).
type accountSettings struct {
	CommitmentEnabled bool      `json:"commitment_enabled"`
	StartedAt         time.Time `json:"started_at,omitzero"`
	EndRequestedAt    time.Time `json:"end_requested_at,omitzero"`
	EndedAt           time.Time `json:"ended_at,omitzero"`
}

type account struct {
	mu       sync.Mutex
	path     string
	settings accountSettings
}

// load reads the settings file, if any.
func (a *account) load(path string) error {
	a.path = path
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read account settings: %w", err)
	}
	if err := json.Unmarshal(b, &a.settings); err != nil {
		return fmt.Errorf("parse account settings %s: %w", path, err)
	}
	return nil
}

// save writes the settings atomically. The caller holds a.mu.
func (a *account) save() error {
	if a.path == "" {
		return nil
	}
	b, err := json.Marshal(a.settings)
	if err != nil {
		return err
	}
	tmp := a.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write account settings: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write account settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write account settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write account settings: %w", err)
	}
	if err := os.Rename(tmp, a.path); err != nil {
		return fmt.Errorf("write account settings: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(a.path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// output describes the commitment at time now. The caller holds a.mu.
func (a *account) output(now time.Time) *billingCommitmentOutput {
	st := a.settings
	out := &billingCommitmentOutput{Status: "DISABLED", EndedAt: awsproto.NewTimestamp(st.EndedAt)}
	if !st.CommitmentEnabled {
		if !st.StartedAt.IsZero() {
			out.StartedAt = awsproto.NewTimestamp(st.StartedAt)
		}
		return out
	}
	earliest := st.StartedAt.Add(commitmentTerm)
	out.StartedAt = awsproto.NewTimestamp(st.StartedAt)
	out.EarliestAllowedEndAt = awsproto.NewTimestamp(earliest)
	out.Status = "ENABLED"
	if !st.EndRequestedAt.IsZero() {
		out.Status = "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
	}
	return out
}

// settle ends a commitment whose end was asked for once its term is
// over. The caller holds a.mu.
func (a *account) settle(now time.Time) {
	st := &a.settings
	if st.CommitmentEnabled && !st.EndRequestedAt.IsZero() && !now.Before(st.StartedAt.Add(commitmentTerm)) {
		st.CommitmentEnabled = false
		st.EndedAt = st.StartedAt.Add(commitmentTerm)
		st.EndRequestedAt = time.Time{}
	}
}

func (h *Handler) describeAccountSettings(_ context.Context, _ *describeAccountSettingsInput) (any, error) {
	a := &h.account
	a.mu.Lock()
	defer a.mu.Unlock()
	now := h.opts.Now()
	a.settle(now)
	return &accountSettingsOutput{MinimumThroughputBillingCommitment: a.output(now)}, nil
}

func (h *Handler) updateAccountSettings(_ context.Context, in *updateAccountSettingsInput) (any, error) {
	var v validator
	if v.required("minimumThroughputBillingCommitment", in.MinimumThroughputBillingCommitment != nil) {
		c := in.MinimumThroughputBillingCommitment
		if v.required("minimumThroughputBillingCommitment.status", c.Status != nil) {
			v.enum("minimumThroughputBillingCommitment.status", c.Status, []string{"ENABLED", "DISABLED"})
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	a := &h.account
	a.mu.Lock()
	defer a.mu.Unlock()
	now := h.opts.Now()
	a.settle(now)
	prev := a.settings
	st := &a.settings
	switch *in.MinimumThroughputBillingCommitment.Status {
	case "ENABLED":
		if !st.CommitmentEnabled {
			*st = accountSettings{CommitmentEnabled: true, StartedAt: now}
		}
		st.EndRequestedAt = time.Time{}
	case "DISABLED":
		if st.CommitmentEnabled {
			st.EndRequestedAt = now
			a.settle(now)
		}
	}
	if err := a.save(); err != nil {
		a.settings = prev
		return nil, err
	}
	return &accountSettingsOutput{MinimumThroughputBillingCommitment: a.output(now)}, nil
}
