// Package review closes annual reviews (immutable, versioned snapshots of a scope's progress),
// assembles the final review 2021-2026, and exports progress and reviews as XLSX and CSV through
// short-lived authenticated links.
package review

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// FirstYear and LastYear bound the final review: the campaign's second phase, 2021-2026.
const (
	FirstYear = 2021
	LastYear  = 2026
)

// Service closes reviews and makes exports.
type Service struct {
	client    *ent.Client
	progress  *progress.Service
	linkKey   []byte
	now       func() time.Time
	downloads ratelimit.Limit // per account; nil: unlimited
}

// LimitDownloads bounds the export downloads of each account (each rebuilds its file) by l, kept
// by the server's limits store (on PostgreSQL shared by every process). nil: no limit.
func (s *Service) LimitDownloads(l ratelimit.Limit) { s.downloads = l }

// New returns the service over client; linkKey signs download links; now is the domain clock.
func New(client *ent.Client, prog *progress.Service, linkKey []byte, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, progress: prog, linkKey: linkKey, now: now}
}

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// year is the current year in Vietnam.
func (s *Service) year() int { return s.now().In(workdays.Vietnam).Year() }

// signedIn returns the viewer, or authz.ErrUnauthenticated for nobody.
func signedIn(ctx context.Context) (authz.Viewer, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return v, authz.ErrUnauthenticated
	}
	return v, nil
}

// cover refuses a scope the viewer may not see whole.
func (s *Service) cover(ctx context.Context, scope authz.Scope) error {
	return authz.Require(ctx, s.db(ctx), scope)
}
