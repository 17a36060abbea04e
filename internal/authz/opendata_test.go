package authz_test

import (
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
)

func TestPublishCase(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	note := "Đã chấn chỉnh."
	cat := enum.CategoryNoBureaucracy
	for _, tc := range []struct {
		name    string
		c       ent.CitizenCase
		closed  bool
		updated time.Time
		notes   string
	}{
		{"submitted", ent.CitizenCase{State: enum.CaseSubmitted}, false, t0, ""},
		{"accepted", ent.CitizenCase{State: enum.CaseAccepted, AcceptedAt: at(2)}, false, *at(2), ""},
		{"concluded is still open", ent.CitizenCase{State: enum.CaseConcluded, AcceptedAt: at(2), ConcludedAt: at(5), PublicNote: &note}, false, *at(5), ""},
		{"closed with its note", ent.CitizenCase{State: enum.CaseClosed, AcceptedAt: at(2), ConcludedAt: at(5), ClosedAt: at(9), PublicNote: &note}, true, *at(9), note},
		{"rejected", ent.CitizenCase{State: enum.CaseRejected}, true, t0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.ID, c.Channel, c.Category, c.ReceivedAt = "cas_x", enum.ChannelFeedback, &cat, t0
			// Everything that must never be published is set, to show it is not copied.
			c.Description, c.TrackingCode = "Lời của công dân", "ABCDEFGHJK"
			o := authz.PublishCase(&c, "unt_x")
			if o.Closed != tc.closed || !o.UpdatedAt.Equal(tc.updated) || o.StatusNotes != tc.notes || o.UnitID != "unt_x" ||
				!o.RequestedAt.Equal(t0) || *o.Category != cat || o.Channel != enum.ChannelFeedback {
				t.Fatalf("%+v", o)
			}
		})
	}
}
