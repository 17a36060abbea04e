package casework

import (
	"context"
	"fmt"
	"strings"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/recognition"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Decision is what a handler decides with a transition.
type Decision struct {
	Note           string                  // reason, findings or closing note
	UnitID         string                  // caseTransfer: the unit in charge
	InspectorID    string                  // caseAssign: the inspector's account
	DecisionNumber string                  // caseExtend
	Complexity     citizencase.Complexity  // caseExtend: COMPLEX (once) or VERY_COMPLEX (twice)
	Conclusion     *citizencase.Conclusion // caseConclude
	DuplicateOfID  string                  // caseMarkDuplicate
	SubjectNotice  string                  // caseStartVerification: the notice to the official concerned
	PublicNote     string                  // caseClose: the public outcome note (open data)
}

// maxPublicNote bounds the public outcome note (runes).
const maxPublicNote = 2000

// maxSubjectNotice bounds the notice to the official concerned (runes).
const maxSubjectNotice = 5000

// handlerOnly are the actions of the verification itself: the assigned inspector's, or a
// supervisor's, unit manager's or administrator's in scope (not another inspector's).
var handlerOnly = map[Action]bool{StartVerification: true, Extend: true, Conclude: true, Close: true, Message: true}

// Handle applies a staff action to a case under the state machine, the deadlines and the roles of
// DESIGN.md §5; the transition is conditional on the state read, so of two concurrent transitions
// one wins and the other is refused.
func (s *Service) Handle(ctx context.Context, caseID string, a Action, d Decision) (*ent.CitizenCase, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if !v.Staff() {
		return nil, authz.ErrForbidden
	}
	tx := s.db(ctx)
	c, err := tx.CitizenCase.Query().Where(citizencase.ID(caseID)).WithUnit().WithOfficial().WithHandler().Only(ctx)
	if ent.IsNotFound(err) { // outside the scope is as if it did not exist
		return nil, errNoCase
	} else if err != nil {
		return nil, err
	}
	// Recusal (DESIGN.md §5): the person a case is about never handles it, whatever their role.
	if err := authz.RequireNotConcerned(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	if handlerOnly[a] && v.Role == authz.RoleInspector && (c.Edges.Handler == nil || c.Edges.Handler.ID != v.AccountID) {
		return nil, authz.ErrForbidden
	}
	to, kind, err := Next(c.State, a)
	if err != nil {
		return nil, err
	}
	d.Note = strings.TrimSpace(d.Note)
	if a != Close && strings.TrimSpace(d.PublicNote) != "" {
		return nil, apperr.BadInput("Chỉ ghi chú công khai khi đóng hồ sơ.", "A public note is given only when closing a case.", "publicNote")
	}
	now := s.now()
	u := tx.CitizenCase.Update().Where(citizencase.ID(c.ID), citizencase.StateEQ(c.State)).SetUpdatedAt(now)
	if to != c.State {
		u.SetState(to)
	}
	note := d.Note
	switch a {
	case Accept:
		u.SetAcceptedAt(now)
		if c.Channel == enum.ChannelPraise { // praise is the official's to see from acceptance
			u.SetSubjectVisibleAt(now)
		}
		if c.Channel == enum.ChannelDenunciation {
			u.SetDueAt(s.days(now, s.dur.DenunciationConcludeDays))
		}
	case Reject:
		if d.Note == "" {
			return nil, apperr.BadInput("Cần nêu lý do không thụ lý.", "A reason is required to reject a case.", "note")
		}
	case Transfer:
		if d.UnitID == "" || d.UnitID == c.Edges.Unit.ID {
			return nil, apperr.BadInput("Cần chọn đơn vị có thẩm quyền khác.", "Choose the (other) unit in charge.", "unitId")
		}
		if ok, err := s.db(ctx).Unit.Query().Where(unitID(d.UnitID)).Exist(ctx); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.BadInput("Không tìm thấy đơn vị.", "No such unit.", "unitId")
		}
		// The case goes to the unit in charge, which decides on it; the move is kept in the event.
		u.SetTransferredToID(d.UnitID).SetUnitID(d.UnitID)
		note = fmt.Sprintf("%s -> %s. %s", c.Edges.Unit.ID, d.UnitID, d.Note)
	case Assign:
		if err := s.checkInspector(ctx, d.InspectorID, c); err != nil {
			return nil, err
		}
		if v.Role == authz.RoleInspector {
			return nil, authz.ErrForbidden // inspectors are assigned, they do not assign
		}
		u.SetHandlerID(d.InspectorID)
		note = ""
	case StartVerification:
		// The law has the person denounced informed of the content when verification starts
		// (Law on Denunciations 2018): the handler writes what they are asked to explain, never
		// the citizen's words; from now on the case is visible to them.
		notice := strings.TrimSpace(d.SubjectNotice)
		named, err := tx.CitizenCase.QueryOfficial(c).Exist(authz.System(ctx, authz.SysNamedOfficial))
		if err != nil {
			return nil, err
		}
		if n := len([]rune(notice)); n > maxSubjectNotice {
			return nil, apperr.BadInput("Thông báo cho người bị phản ánh dài quá 5.000 ký tự.",
				"The notice to the official concerned is longer than 5,000 characters.", "subjectNotice")
		} else if n < 10 && named && c.Channel != enum.ChannelPraise {
			return nil, apperr.BadInput("Cần thông báo cho cán bộ bị phản ánh, tố cáo nội dung cần giải trình (ít nhất 10 ký tự, không chép lời người gửi).",
				"A notice to the official concerned of what they are asked to explain is required (at least 10 characters, no citizen text).", "subjectNotice")
		}
		if notice != "" {
			u.SetSubjectNotice(notice)
		}
		u.SetSubjectVisibleAt(now)
	case Extend:
		if c.Channel != enum.ChannelDenunciation {
			return nil, apperr.New(apperr.Conflict, "Chỉ gia hạn giải quyết tố cáo.", "Only denunciations are extended.").ForUser()
		}
		if strings.TrimSpace(d.DecisionNumber) == "" {
			return nil, apperr.BadInput("Cần số quyết định gia hạn.", "The extension decision number is required.", "decisionNumber")
		}
		complexity := d.Complexity
		if c.Complexity != nil {
			complexity = *c.Complexity
		}
		max := s.dur.DenunciationMaxExtensionsComplex
		if complexity == citizencase.ComplexityVERY_COMPLEX {
			max = s.dur.DenunciationMaxExtensionsVeryComplex
		} else if complexity != citizencase.ComplexityCOMPLEX {
			return nil, apperr.BadInput("Cần nêu mức độ phức tạp.", "The complexity is required.", "complexity")
		}
		if c.ExtensionCount >= max {
			return nil, apperr.Newf(apperr.Conflict, "Đã gia hạn tối đa %d lần theo luật.", "The law allows at most %d extension(s) here.", max).
				OnField("complexity")
		}
		base := now
		if c.DueAt != nil {
			base = *c.DueAt
		}
		u.SetComplexity(complexity).AddExtensionCount(1).SetDueAt(s.days(base, s.dur.DenunciationExtensionDays))
		note = fmt.Sprintf("%s %s", d.DecisionNumber, d.Note)
	case Conclude:
		if c.Channel != enum.ChannelPraise && d.Conclusion == nil {
			return nil, apperr.BadInput("Cần kết luận.", "A conclusion is required.", "conclusion")
		}
		if d.Note == "" {
			return nil, apperr.BadInput("Cần nêu kết quả xác minh.", "The findings are required.", "findings")
		}
		u.SetNillableConclusion(d.Conclusion).SetConcludedAt(now)
	case Close:
		u.SetClosedAt(now)
		if note := strings.TrimSpace(d.PublicNote); note != "" {
			if c.Channel == enum.ChannelDenunciation || c.RequestedChannel == enum.ChannelDenunciation {
				return nil, apperr.BadInput("Tố cáo không được công bố nên không có ghi chú công khai.",
					"Denunciations are never published, so they take no public note.", "publicNote")
			}
			if len([]rune(note)) > maxPublicNote {
				return nil, apperr.BadInput("Ghi chú công khai dài quá 2.000 ký tự.", "The public note is longer than 2,000 characters.", "publicNote")
			}
			u.SetPublicNote(note)
		}
	case Message:
		if n := len([]rune(d.Note)); n < 1 || n > 5000 {
			return nil, apperr.BadInput("Tin nhắn phải dài từ 1 đến 5.000 ký tự.", "A message must be 1 to 5,000 characters long.", "body")
		}
		note = "" // the message itself is in the case's messages, not in the event
	case MarkDuplicate:
		if d.DuplicateOfID == "" || d.DuplicateOfID == c.ID {
			return nil, apperr.BadInput("Cần chọn hồ sơ gốc khác.", "Choose the (other) original case.", "duplicateOfId")
		}
		orig, err := tx.CitizenCase.Query().Where(citizencase.ID(d.DuplicateOfID), authz.NotConcerned(ctx)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, apperr.BadInput("Không tìm thấy hồ sơ gốc.", "No such original case.", "duplicateOfId")
		} else if err != nil {
			return nil, err
		}
		if orig.State == enum.CaseDuplicate {
			return nil, apperr.BadInput("Hồ sơ gốc cũng là hồ sơ trùng.", "The original is itself a duplicate.", "duplicateOfId")
		}
		u.SetDuplicateOfID(orig.ID)
	}
	gctx := authz.Grant(ctx, string(a), a.writes()...)
	if n, err := u.Save(gctx); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, errRace
	}
	ev, err := tx.CaseEvent.Create().SetCaseID(c.ID).SetKind(kind).SetFromState(c.State).SetToState(to).
		SetActorKind(caseevent.ActorKindSTAFF).SetActorID(v.AccountID).SetNote(note).
		SetPublic(publicKind(kind)).SetOccurredAt(now).Save(gctx)
	if err != nil {
		return nil, err
	}
	if a == Message {
		if err := tx.CaseMessage.Create().SetCaseID(c.ID).SetDirection(casemessage.DirectionTO_REPORTER).
			SetBody(d.Note).SetAuthorID(v.AccountID).SetSentAt(now).Exec(gctx); err != nil {
			return nil, err
		}
	}
	if a == Conclude && d.Conclusion != nil && *d.Conclusion != citizencase.ConclusionUNSUBSTANTIATED && c.Edges.Official != nil {
		if err := s.recordIncident(gctx, tx, c, d.Note); err != nil {
			return nil, err
		}
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: string(a), ObjectType: "Case", ObjectID: c.ID,
		Summary: fmt.Sprintf("%s -> %s", c.State, to)}); err != nil {
		return nil, err
	}
	if err := s.notifyTransition(ctx, tx, c, kind, ev.ID, d.InspectorID); err != nil {
		return nil, err
	}
	out, err := tx.CitizenCase.Get(gctx, c.ID)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, out, c.Edges.Unit.ID, string(kind), to)
	return out, nil
}

// recordIncident creates the Incident a substantiated conclusion establishes, in the year of the
// conduct (recognition.RecordIncident: the official's awards and EXCELLENT or GOOD reviews of that
// year are flagged).
func (s *Service) recordIncident(ctx context.Context, tx *ent.Client, c *ent.CitizenCase, findings string) error {
	when := c.ReceivedAt
	if c.IncidentDate != nil {
		when = *c.IncidentDate
	}
	cat := enum.CategoryOther
	if c.Category != nil {
		cat = *c.Category
	}
	off := c.Edges.Official
	year := when.In(workdays.Vietnam).Year() // the year of the conduct, in Vietnam
	_, err := recognition.RecordIncident(ctx, tx, tx.Incident.Create().SetOfficialID(off.ID).SetUnitID(c.Edges.Unit.ID).
		SetCaseID(c.ID).SetYear(year).SetCategory(cat).SetOccurredOn(when).
		SetSource(incident.SourceCASE).SetSummary(findings), s.now())
	return err
}

// checkInspector checks an account is an enabled inspector whose scope holds the case's unit and
// who is not the person the case is about (recusal).
func (s *Service) checkInspector(ctx context.Context, accountID string, c *ent.CitizenCase) error {
	sys := authz.System(ctx, authz.SysAssignee)
	acc, err := s.db(ctx).Account.Query().Where(account.ID(accountID), account.RoleEQ(account.RoleINSPECTOR),
		account.Disabled(false)).Only(sys)
	if ent.IsNotFound(err) {
		return apperr.BadInput("Không tìm thấy thanh tra viên.", "No such inspector.", "inspectorId")
	} else if err != nil {
		return err
	}
	insp := authz.ViewerOfAccount(acc)
	if concerned, err := authz.Concerned(authz.WithViewer(ctx, insp), s.db(ctx), c.ID); err != nil {
		return err
	} else if concerned {
		return apperr.New(apperr.Forbidden, "Không thể phân công: hồ sơ này phản ánh, tố cáo chính thanh tra viên được chọn.",
			"The inspector cannot be assigned: this case is about them.").OnField("inspectorId")
	}
	ok, err := authz.UnitInScope(authz.WithViewer(ctx, insp), s.db(ctx), c.Edges.Unit.ID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.BadInput("Thanh tra viên không phụ trách đơn vị của hồ sơ.", "The inspector's scope does not hold the case's unit.", "inspectorId")
	}
	return nil
}

// LikelyDuplicates is the query of cases a handler should compare a case with: about the same
// official (or, without one, the same unit), of the same category, received within 90 days. The
// person concerned gets none (duplicates are never theirs to see), and nobody is shown the cases
// about themself as someone else's duplicates.
func (s *Service) LikelyDuplicates(ctx context.Context, c *ent.CitizenCase) (*ent.CitizenCaseQuery, error) {
	q := s.db(ctx).CitizenCase.Query().Where(citizencase.IDNEQ(c.ID),
		citizencase.ReceivedAtGTE(c.ReceivedAt.AddDate(0, 0, -90)), citizencase.ReceivedAtLTE(c.ReceivedAt.AddDate(0, 0, 90)),
		authz.NotConcerned(ctx))
	if concerned, err := authz.Concerned(ctx, s.db(ctx), c.ID); err != nil {
		return nil, err
	} else if concerned {
		return q.Where(citizencase.IDIn()), nil
	}
	if c.Category != nil {
		q.Where(citizencase.CategoryEQ(*c.Category))
	} else {
		q.Where(citizencase.CategoryIsNil())
	}
	offID, err := s.db(ctx).CitizenCase.QueryOfficial(c).OnlyID(authz.System(ctx, authz.SysNamedOfficial))
	if err == nil {
		return q.Where(citizencase.HasOfficialWith(official.ID(offID))), nil
	} else if !ent.IsNotFound(err) {
		return nil, err
	}
	unit, err := s.db(ctx).CitizenCase.QueryUnit(c).OnlyID(ctx)
	if err != nil {
		return nil, err
	}
	return q.Where(citizencase.HasUnitWith(unitID(unit))), nil
}

// Duplicates are the cases marked as repeating c, DuplicateOf the case c repeats: never for the
// person c is about, and never a case about the viewer.
func (s *Service) Duplicates(ctx context.Context, c *ent.CitizenCase) ([]*ent.CitizenCase, error) {
	if authz.FromContext(ctx).OfficialID == "" {
		return c.Duplicates(ctx) // eager-loaded with the case when asked for in a list
	}
	if concerned, err := authz.Concerned(ctx, s.db(ctx), c.ID); err != nil || concerned {
		return nil, err
	}
	return s.db(ctx).CitizenCase.QueryDuplicates(c).Where(authz.NotConcerned(ctx)).All(ctx)
}

// DuplicateOf is the case c repeats, under the same rule as Duplicates.
func (s *Service) DuplicateOf(ctx context.Context, c *ent.CitizenCase) (*ent.CitizenCase, error) {
	if authz.FromContext(ctx).OfficialID == "" {
		return c.DuplicateOf(ctx)
	}
	if concerned, err := authz.Concerned(ctx, s.db(ctx), c.ID); err != nil || concerned {
		return nil, err
	}
	out, err := s.db(ctx).CitizenCase.QueryDuplicateOf(c).Where(authz.NotConcerned(ctx)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}
