package authz

import (
	"context"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Open data (DESIGN.md §13): what everyone may read about citizen cases, without an account,
// through Open311 GeoReport v2. The rules are here; internal/open311 only formats what
// PublishCase hands it.

// MinPublishedOfficials is the small-cell rule: nothing is published about a unit with fewer
// officials in service (a handful of people are recognisable behind any figure).
const MinPublishedOfficials = 10

// PublishedChannels are the channels open data shows: never denunciations.
var PublishedChannels = []enum.Channel{enum.ChannelFeedback, enum.ChannelPraise}

// PublishedCases is the predicate of the cases open data may show at now: feedback and praise
// (not an anonymous denunciation handled as feedback: that was asked as a denunciation), not
// withdrawn by the citizen nor marked duplicate, about a unit with at least MinPublishedOfficials
// officials in service.
func PublishedCases(now time.Time) predicate.CitizenCase {
	return func(s *sql.Selector) {
		s.Where(sql.And(
			sql.In(s.C(citizencase.FieldChannel), string(enum.ChannelFeedback), string(enum.ChannelPraise)),
			sql.In(s.C(citizencase.FieldRequestedChannel), string(enum.ChannelFeedback), string(enum.ChannelPraise)),
			sql.NotIn(s.C(citizencase.FieldState), string(enum.CaseWithdrawn), string(enum.CaseDuplicate)),
			UnitPublished(s.C(citizencase.UnitColumn), now),
		))
	}
}

// UnitPublished is "the unit in column has at least MinPublishedOfficials officials in service
// today" (Vietnam time; the headcount's rule, progress.Counted): the index on (unit, id) stops at
// the tenth.
func UnitPublished(column string, now time.Time) *sql.Predicate {
	y, m, d := now.In(workdays.Vietnam).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, workdays.Vietnam)
	// Compared in UTC: SQLite compares the stored text.
	from, next := start.UTC(), start.AddDate(0, 0, 1).UTC()
	return sql.P(func(b *sql.Builder) {
		b.WriteString("EXISTS (SELECT 1 FROM ").WriteString(official.Table).WriteString(" WHERE ").
			WriteString(official.UnitColumn).WriteString(" = ").WriteString(column).
			WriteString(" AND ").WriteString(official.FieldActiveFrom).WriteString(" < ").Arg(next).
			WriteString(" AND (").WriteString(official.FieldActiveTo).WriteString(" IS NULL OR ").
			WriteString(official.FieldActiveTo).WriteString(" >= ").Arg(from).
			WriteString(") LIMIT 1 OFFSET ").WriteString(strconv.Itoa(MinPublishedOfficials - 1)).WriteString(")")
	})
}

// OpenCase is everything open data says about a case: no description, place, incident date,
// reporter, official, evidence, message, rating, conclusion or event note.
type OpenCase struct {
	CaseID      string // the case's id, for the caller to turn into a public id; never published as is
	Closed      bool
	Channel     enum.Channel
	Category    *enum.Category
	RequestedAt time.Time
	UpdatedAt   time.Time
	UnitID      string
	StatusNotes string // the handler's public outcome note, once closed
}

// PublishCase copies what open data may say about c, a case PublishedCases let through, whose
// unit is unitID.
func PublishCase(c *ent.CitizenCase, unitID string) OpenCase {
	o := OpenCase{CaseID: c.ID, Channel: c.Channel, Category: c.Category, RequestedAt: c.ReceivedAt, UnitID: unitID,
		UpdatedAt: c.ReceivedAt}
	// The public steps only: what the citizen's own messages or the handler's internal work
	// changed is not published, not even by its time.
	for _, t := range []*time.Time{c.AcceptedAt, c.ConcludedAt, c.ClosedAt} {
		if t != nil && t.After(o.UpdatedAt) {
			o.UpdatedAt = *t
		}
	}
	switch c.State {
	case enum.CaseClosed, enum.CaseRejected:
		o.Closed = true
	}
	if o.Closed && c.PublicNote != nil {
		o.StatusNotes = *c.PublicNote
	}
	return o
}

// RequireAdmin refuses anyone but an administrator: partner apps' api_keys are theirs to issue
// and revoke.
func RequireAdmin(ctx context.Context) error {
	v := FromContext(ctx)
	if v.Anonymous() {
		return ErrUnauthenticated
	}
	if v.Role != RoleAdmin {
		return ErrForbidden
	}
	return nil
}
