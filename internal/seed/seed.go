// Package seed owns the data a fresh database starts with: the reference data (the 63 provinces and
// 696 districts of before the merger of 1 July 2025, the 34 provinces after it and the links between
// them, from the official lists embedded in data/) and the demo: Plan 153/KH-LĐLĐ of the Bến Tre
// Labour Federation with its units, about 3,000 officials and their activity from 2020 to "today"
// (acknowledgements, pledges, registrations, self-assessments, citizen cases, incidents, inspections
// and commendations).
//
// Both loads are idempotent and deterministic: every id, timestamp and random choice comes from fixed
// seeds and from Options.Now, so two runs on two fresh databases give identical rows.
package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// Options for the demo data.
type Options struct {
	Box    *sealbox.Box // encrypts identified reporters' identities (required)
	Now    time.Time    // "today" for the demo; the data runs 2020 up to this date (2026-11-29 in tests)
	Logger *slog.Logger // may be nil
}

// Stats counts what a run created (0s when everything already existed).
type Stats struct {
	Provinces, Districts, Units, Officials, Accounts, Acknowledgements, Pledges, Registrations,
	SelfAssessments, Cases, Incidents, Commendations, Inspections int
}

func (s *Stats) add(o Stats) {
	s.Provinces += o.Provinces
	s.Districts += o.Districts
	s.Units += o.Units
	s.Officials += o.Officials
	s.Accounts += o.Accounts
	s.Acknowledgements += o.Acknowledgements
	s.Pledges += o.Pledges
	s.Registrations += o.Registrations
	s.SelfAssessments += o.SelfAssessments
	s.Cases += o.Cases
	s.Incidents += o.Incidents
	s.Commendations += o.Commendations
	s.Inspections += o.Inspections
}

// Reference loads all provinces (the 63 of before the merger of 1 July 2025 and the 34 after it, one
// record for each of the 11 that did not change), the successor links of the merger, and the 696
// districts, which all end on 2025-07-01. Rows that exist (same code and valid_from) are skipped.
func Reference(ctx context.Context, client *ent.Client) (Stats, error) {
	ctx = progress.Bulk(ctx)
	var st Stats
	err := withTx(ctx, client, func(c *ent.Client) error {
		var err error
		st, _, err = reference(ctx, c)
		return err
	})
	return st, err
}

// Demo loads Reference plus the demo campaign in Bến Tre (DemoCampaignCode), in one transaction:
// units, officials and their activity from 2020 up to opt.Now, which must be three months or more
// after the plan was issued (15 March 2020). It does nothing (and returns zero Stats) when the demo
// campaign already exists. The same opt.Now gives the same rows, ids included.
func Demo(ctx context.Context, client *ent.Client, opt Options) (Stats, error) {
	if opt.Box == nil {
		return Stats{}, errors.New("seed: Options.Box is required")
	}
	if opt.Now.IsZero() {
		return Stats{}, errors.New("seed: Options.Now is required")
	}
	if opt.Now.Before(campaignIssued.AddDate(0, 3, 0)) {
		return Stats{}, fmt.Errorf("seed: Options.Now %s is before the demo can start (%s)",
			opt.Now.Format(time.DateOnly), campaignIssued.AddDate(0, 3, 0).Format(time.DateOnly))
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx = progress.Bulk(ctx)
	var st Stats
	start := time.Now()
	err := withTx(ctx, client, func(c *ent.Client) error {
		ref, refs, err := reference(ctx, c)
		if err != nil {
			return err
		}
		st.add(ref)
		d, err := newDemo(ctx, c, opt, refs, log)
		if err != nil || d == nil {
			return err
		}
		dst, err := d.run(ctx)
		st.add(dst)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	log.Info("seed: demo loaded", "elapsed", time.Since(start).Round(time.Millisecond),
		"provinces", st.Provinces, "districts", st.Districts, "units", st.Units, "officials", st.Officials,
		"pledges", st.Pledges, "selfAssessments", st.SelfAssessments, "cases", st.Cases,
		"incidents", st.Incidents, "commendations", st.Commendations, "inspections", st.Inspections)
	return st, nil
}

// withTx runs fn in a transaction and commits it, or rolls it back on error.
// The seeds' writes skip the progress counters (progress.Bulk); they are marked for a rebuild on
// their next use. The counts of records per unit are rebuilt from what is there (a client without
// internal/recordscope's hooks, as in tests, keeps none).
func withTx(ctx context.Context, client *ent.Client, fn func(*ent.Client) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	err = fn(tx.Client())
	if err == nil {
		err = progress.Invalidate(ctx, tx.Client())
	}
	if err == nil {
		err = recordscope.RebuildCounts(ctx, tx.Client())
	}
	if err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("seed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	return nil
}
