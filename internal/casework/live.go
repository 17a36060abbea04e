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
	return s.stream(ctx, func(e events.Event) (*Update, bool) {
		if e.CaseID != c.ID {
			return nil, false
		}
		return &Update{Kind: caseevent.Kind(e.Kind), State: enum.CaseState(e.State), OccurredAt: e.At}, true
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
	return s.stream(ctx, func(e events.Event) (*Update, bool) {
		ok, err := authz.UnitInScope(ctx, s.client, e.UnitID)
		if err != nil || !ok {
			return nil, false
		}
		if scope != nil {
			narrowed := authz.WithViewer(ctx, authz.Viewer{AccountID: v.AccountID, Role: authz.RoleSupervisor, Scope: *scope})
			if ok, err := authz.UnitInScope(narrowed, s.client, e.UnitID); err != nil || !ok {
				return nil, false
			}
		}
		id := e.CaseID
		return &Update{CaseID: &id, Kind: caseevent.Kind(e.Kind), State: enum.CaseState(e.State), OccurredAt: e.At}, true
	})
}

func (s *Service) stream(ctx context.Context, keep func(events.Event) (*Update, bool)) (<-chan *Update, error) {
	if s.events == nil {
		return nil, errNoEvents
	}
	in, cancel := s.events.Subscribe(ctx)
	out := make(chan *Update, 16)
	go func() {
		defer close(out)
		defer cancel()
		for e := range in {
			if u, ok := keep(e); ok {
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
