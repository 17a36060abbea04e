package casework

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/notify"
)

// citizenKinds are the transitions a citizen is told of (DESIGN.md §12).
var citizenKinds = map[caseevent.Kind]notify.Kind{
	caseevent.KindACCEPTED:             notify.CaseAccepted,
	caseevent.KindREJECTED:             notify.CaseRejected,
	caseevent.KindTRANSFERRED:          notify.CaseTransferred,
	caseevent.KindMESSAGE:              notify.CaseReply,
	caseevent.KindVERIFICATION_STARTED: notify.CaseVerification,
	caseevent.KindCONCLUDED:            notify.CaseConcluded,
	caseevent.KindCLOSED:               notify.CaseClosed,
}

// notifyTransition enqueues, in the transition's transaction, what the transition tells: the
// citizen (when a device is registered for the case), the official the case is about when it
// becomes visible to them (DESIGN.md §5: verification started, praise accepted), and the
// inspector it is assigned to. No notification carries the case's content.
func (s *Service) notifyTransition(ctx context.Context, tx *ent.Client, c *ent.CitizenCase, kind caseevent.Kind, eventID, inspectorID string) error {
	if s.notify == nil {
		return nil
	}
	sctx := authz.System(ctx, authz.SysNotify)
	var items []notify.Item
	if k, ok := citizenKinds[kind]; ok {
		has, err := tx.Device.Query().Where(device.CaseID(c.ID)).Exist(sctx)
		if err != nil {
			return err
		}
		if has {
			items = append(items, notify.Item{Kind: k, CaseID: c.ID, Subject: c.ID, Cause: eventID})
		}
	}
	visible := (kind == caseevent.KindVERIFICATION_STARTED && c.Channel != enum.ChannelPraise) ||
		(kind == caseevent.KindACCEPTED && c.Channel == enum.ChannelPraise)
	if visible {
		// Every enabled account of the official: notify.ToOfficial, in the same transaction.
		if err := s.notify.ToOfficial(ctx, c.OfficialID, notify.CaseAboutYou, c.ID, c.ID, nil); err != nil {
			return err
		}
	}
	if kind == caseevent.KindASSIGNED && inspectorID != "" {
		items = append(items, notify.Item{Kind: notify.CaseAssigned, AccountID: inspectorID, Subject: c.ID, Cause: eventID})
	}
	return s.notify.Enqueue(ctx, items...)
}
