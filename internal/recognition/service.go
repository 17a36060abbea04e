// Package recognition is commendations and inspections (DESIGN.md §7): proposals and decisions on
// awards with their eligibility rules, the candidates for them, and inspections with the
// incidents they find. Every write is checked first, then granted (authz.Grant), made in the
// mutation's transaction and written to the audit log; a user error leaves nothing written.
package recognition

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// FirstYear is the first year of the campaign (phase 1): nothing is commended or found before it.
const FirstYear = progress.FirstYear

// Service proposes, decides and revokes commendations and records inspections.
type Service struct {
	client *ent.Client
	now    func() time.Time
	notify *notify.Service
}

// UseNotify makes decisions on commendations notify the official (package notify).
func (s *Service) UseNotify(n *notify.Service) { s.notify = n }

// New returns the service over client; now is the domain clock (time.Now outside tests).
func New(client *ent.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, now: now}
}

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// year is the current year in Vietnam.
func (s *Service) year() int { return s.now().In(workdays.Vietnam).Year() }

// future reports whether t falls on a day after today, both read in Vietnam.
func (s *Service) future(t time.Time) bool {
	return day(t).After(day(s.now()))
}

// day is the calendar day of t in Vietnam, as midnight UTC (comparable across zones).
func day(t time.Time) time.Time {
	y, m, d := t.In(workdays.Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// signedIn returns the viewer when signed in with one of the roles, else the error to return.
func signedIn(ctx context.Context, roles ...authz.Role) (authz.Viewer, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return v, authz.ErrUnauthenticated
	}
	for _, r := range roles {
		if v.Role == r {
			return v, nil
		}
	}
	return v, authz.ErrForbidden
}

// inScope returns FORBIDDEN unless the viewer's scope holds the unit.
func (s *Service) inScope(ctx context.Context, unitID string) error {
	ok, err := authz.UnitInScope(ctx, s.db(ctx), unitID)
	if err != nil {
		return err
	}
	if !ok {
		return authz.ErrForbidden
	}
	return nil
}

// lockRow makes a query lock the rows it reads until the transaction ends, so that a check and
// the write it allows are not interleaved with another request's (PostgreSQL; SQLite runs one
// write transaction at a time and has no row locks).
func lockRow(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.For(sql.LockNoKeyUpdate)
	}
}

// text trims s and checks it is present and at most max bytes long (the column's limit).
func text(s string, max int, missing, tooLong *apperr.Error) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", missing
	case len(s) > max:
		return "", tooLong
	}
	return s, nil
}

// clip cuts s to at most max bytes on a character boundary (for the audit log's reason).
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
