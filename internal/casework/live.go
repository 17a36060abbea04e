package casework

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/events"
)

// Update is a change of a case as subscribers receive it: never anyone's identity.
type Update struct {
	CaseID     *string // for handlers only
	Kind       caseevent.Kind
	State      enum.CaseState
	OccurredAt time.Time
}

// View returns the citizen's view of a case the caller already holds.
func (s *Service) View(ctx context.Context, c *ent.CitizenCase) (*Tracked, error) {
	return s.view(ctx, c)
}

var errNoEvents = apperr.New(apperr.Internal, "Cập nhật trực tiếp chưa sẵn sàng.", "Live updates are not available.")

// SubscribeTracked streams the changes of the case of a tracking code and secret.
func (s *Service) SubscribeTracked(ctx context.Context, code, secret string) (<-chan *Update, error) {
	c, err := s.tracked(ctx, code, secret)
	if err != nil {
		return nil, err
	}
	return s.stream(ctx, func(e events.Event) (*Update, bool, error) {
		if e.CaseID != c.ID || !publicKind(caseevent.Kind(e.Kind)) {
			return nil, false, nil
		}
		return &Update{Kind: caseevent.Kind(e.Kind), State: enum.CaseState(e.State), OccurredAt: e.At}, true, nil
	})
}

// SubscribeScope streams the transitions of the cases a signed-in handler may see, within scope
// when one is given (it narrows the viewer's own scope; it never widens it).
func (s *Service) SubscribeScope(ctx context.Context, scope *authz.Scope) (<-chan *Update, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if !v.Staff() {
		return nil, authz.ErrForbidden
	}
	return s.stream(ctx, func(e events.Event) (*Update, bool, error) {
		ok, err := authz.UnitInScope(ctx, s.client, e.UnitID)
		if err != nil || !ok {
			return nil, false, nil
		}
		// The account may have been disabled, or its role changed, since the subscription began:
		// then the subscription ends.
		if err := authz.Recheck(ctx); err != nil {
			return nil, false, err
		}
		// The person a case is about never follows it live (recusal), whatever their role.
		if concerned, err := authz.Concerned(ctx, s.client, e.CaseID); err != nil || concerned {
			return nil, false, nil
		}
		if scope != nil {
			narrowed := authz.WithViewer(ctx, authz.Viewer{AccountID: v.AccountID, Role: authz.RoleSupervisor, Scope: *scope})
			if ok, err := authz.UnitInScope(narrowed, s.client, e.UnitID); err != nil || !ok {
				return nil, false, nil
			}
		}
		id := e.CaseID
		return &Update{CaseID: &id, Kind: caseevent.Kind(e.Kind), State: enum.CaseState(e.State), OccurredAt: e.At}, true, nil
	})
}

// stream relays the broker's events that keep lets through; an error from keep ends the stream.
func (s *Service) stream(ctx context.Context, keep func(events.Event) (*Update, bool, error)) (<-chan *Update, error) {
	if s.events == nil {
		return nil, errNoEvents
	}
	in, cancel := s.events.Subscribe(ctx)
	out := make(chan *Update, 16)
	go func() {
		defer close(out)
		defer cancel()
		for e := range in {
			u, ok, err := keep(e)
			if err != nil {
				return
			}
			if ok {
				select {
				case out <- u:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// publicKind reports whether events of a kind are on the citizen's timeline (an assignment is
// internal: it names who handles the case).
func publicKind(k caseevent.Kind) bool { return k != caseevent.KindASSIGNED }
