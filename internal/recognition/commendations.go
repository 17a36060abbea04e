package recognition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
	"github.com/liemchinh/liemchinh/internal/notify"
)

// Proposal is a commendation proposal as the proposer enters it.
type Proposal struct {
	OfficialID string             `json:"officialId,omitempty"` // exactly one of OfficialID and UnitID
	UnitID     string             `json:"unitId,omitempty"`
	Form       commendation.Form  `json:"form"`
	Level      commendation.Level `json:"level"`
	Year       int                `json:"year"`
	Reason     string             `json:"reason"`
	CampaignID string             `json:"campaignId,omitempty"`
}

// Decision is what a supervisor decides on a commendation.
type Decision struct {
	DecisionNumber string    // approval: the decision's number
	DecisionDate   time.Time // approval: the decision's date, not in the future
	Reason         string    // decline, revoke: why
}

const maxReason = 2000 // bytes: status_reason and the audit log's reason

var (
	errNoCommendation = apperr.New(apperr.NotFound, "Không tìm thấy khen thưởng.", "No such commendation.").OnField("commendationId")
	errChanged        = apperr.New(apperr.Conflict, "Khen thưởng vừa được người khác xử lý; vui lòng tải lại.",
		"The commendation has just been decided by someone else; please reload it.").OnField("commendationId")
	errOwn = apperr.New(apperr.Forbidden, "Không thể đề nghị hay quyết định khen thưởng cho chính mình.",
		"You cannot propose or decide a commendation of yourself.")
)

// individualOnly are the titles of individuals; collectiveOnly those of units.
var (
	individualOnly = map[commendation.Form]bool{commendation.FormLAO_DONG_TIEN_TIEN: true, commendation.FormCHIEN_SI_THI_DUA_CO_SO: true}
	collectiveOnly = map[commendation.Form]bool{commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN: true}
	// needsRating are the titles that need the year's classification GOOD or better (Decree 98/2023).
	needsRating = individualOnly
)

// recipient is who a commendation is for: an official (with their current unit) or a unit.
type recipient struct {
	official *ent.Official // nil for a unit
	unitID   string        // the official's unit, or the unit itself
}

// Propose records a proposal (status PROPOSED) of a commendation of an official or a unit, by a
// unit manager, supervisor or administrator whose scope holds the recipient, under the rules of
// eligible; a retry with the same key returns the first proposal.
func (s *Service) Propose(ctx context.Context, p Proposal, key string) (*ent.Commendation, error) {
	v, err := signedIn(ctx, authz.RoleUnitManager, authz.RoleSupervisor, authz.RoleAdmin)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	entry := audit.Entry{Action: "commendationPropose", ObjectType: "Commendation",
		Summary: fmt.Sprintf("PROPOSED %s %s %d", p.Form, p.Level, p.Year), Reason: clip(strings.TrimSpace(p.Reason), maxReason)}
	return idempotency.Do(ctx, tx, key, p, entry, []string{ent.TypeCommendation}, tx.Commendation.Get,
		func(ctx context.Context) (*ent.Commendation, string, error) {
			who, err := s.recipientOf(ctx, p.OfficialID, p.UnitID, true)
			if err != nil {
				return nil, "", err
			}
			if who.official != nil && who.official.ID == v.OfficialID {
				return nil, "", errOwn
			}
			reason, err := text(p.Reason, 1<<20, apperr.BadInput("Cần nêu lý do đề nghị khen thưởng.", "A reason is required.", "reason"),
				apperr.BadInput("Lý do quá dài.", "The reason is too long.", "reason"))
			if err != nil {
				return nil, "", err
			}
			if now := s.year(); p.Year < FirstYear || p.Year > now {
				return nil, "", apperr.Newf(apperr.BadUserInput, "Năm khen thưởng phải từ %d đến %d.",
					"The year must be between %d and %d.", FirstYear, now).OnField("year")
			}
			if err := s.eligible(ctx, who, p.Form, p.Year); err != nil {
				return nil, "", err
			}
			if p.CampaignID != "" {
				ok, err := tx.Campaign.Query().Where(campaign.ID(p.CampaignID)).Exist(ctx)
				if err != nil {
					return nil, "", err
				}
				if !ok {
					return nil, "", apperr.New(apperr.NotFound, "Không tìm thấy cuộc vận động.", "No such campaign.").OnField("campaignId")
				}
			}
			// One proposal or award in force per form, recipient and year; the recipient's row is
			// locked above, so two proposers do not both pass this check.
			dup := tx.Commendation.Query().Where(commendation.FormEQ(p.Form), commendation.Year(p.Year),
				commendation.StatusIn(commendation.StatusPROPOSED, commendation.StatusAPPROVED))
			if who.official != nil {
				dup.Where(commendation.HasOfficialWith(official.ID(who.official.ID)))
			} else {
				dup.Where(commendation.HasUnitWith(unit.ID(who.unitID)))
			}
			if taken, err := dup.Exist(authz.System(ctx, authz.SysAwardCheck)); err != nil {
				return nil, "", err
			} else if taken {
				return nil, "", apperr.Newf(apperr.Conflict,
					"Đã có đề nghị hoặc quyết định khen thưởng %s năm %d cho đối tượng này.",
					"A %s commendation of %d is already proposed or approved for this recipient.", p.Form, p.Year).OnField("form")
			}
			c := tx.Commendation.Create().SetForm(p.Form).SetLevel(p.Level).SetYear(p.Year).SetReason(reason).
				SetStatus(commendation.StatusPROPOSED).SetProposedByID(v.AccountID)
			if who.official != nil {
				c.SetOfficialID(who.official.ID)
			} else {
				c.SetUnitID(who.unitID)
			}
			if p.CampaignID != "" {
				c.SetCampaignID(p.CampaignID)
			}
			out, err := c.Save(ctx)
			if err != nil {
				return nil, "", err
			}
			return out, out.ID, nil
		})
}

// recipientOf loads the official or the unit (exactly one id given) and checks the viewer's scope
// holds it; lock locks its row for the rest of the transaction.
func (s *Service) recipientOf(ctx context.Context, officialID, unitID string, lock bool) (recipient, error) {
	sys := authz.System(ctx, authz.SysAwardCheck)
	tx := s.db(ctx)
	var who recipient
	switch {
	case (officialID == "") == (unitID == ""):
		return who, apperr.BadInput("Cần chọn đúng một đối tượng khen thưởng: một cán bộ hoặc một đơn vị.",
			"Give exactly one recipient: an official or a unit.", "officialId")
	case officialID != "":
		q := tx.Official.Query().Where(official.ID(officialID)).WithUnit(func(q *ent.UnitQuery) { q.Select(unit.FieldID) })
		if lock {
			q.Where(lockRow).Unique(false)
		}
		off, err := q.Only(sys)
		if ent.IsNotFound(err) {
			return who, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ.", "No such official.").OnField("officialId")
		} else if err != nil {
			return who, err
		}
		who = recipient{official: off, unitID: off.Edges.Unit.ID}
	default:
		q := tx.Unit.Query().Where(unit.ID(unitID))
		if lock {
			q.Where(lockRow).Unique(false)
		}
		u, err := q.Only(sys)
		if ent.IsNotFound(err) {
			return who, apperr.New(apperr.NotFound, "Không tìm thấy đơn vị.", "No such unit.").OnField("unitId")
		} else if err != nil {
			return who, err
		}
		who = recipient{unitID: u.ID}
	}
	return who, s.inScope(ctx, who.unitID)
}

// eligible checks the rules of a form for a recipient and year: the titles of individuals are
// for officials and the collective title for units; an official with an incident in the year
// cannot be commended in any form; LAO_DONG_TIEN_TIEN and CHIEN_SI_THI_DUA_CO_SO need the year's
// self-assessment REVIEWED as GOOD or EXCELLENT. Errors are about the proposal's fields.
func (s *Service) eligible(ctx context.Context, who recipient, form commendation.Form, year int) error {
	if who.official == nil {
		if individualOnly[form] {
			return apperr.Newf(apperr.BadUserInput, "Danh hiệu %s chỉ dành cho cá nhân.", "%s is for officials only.", form).OnField("form")
		}
		return nil
	}
	if collectiveOnly[form] {
		return apperr.Newf(apperr.BadUserInput, "Danh hiệu %s chỉ dành cho tập thể (đơn vị).", "%s is for units only.", form).OnField("form")
	}
	sys := authz.System(ctx, authz.SysAwardCheck)
	tx := s.db(ctx)
	hasIncident, err := tx.Incident.Query().Where(incident.HasOfficialWith(official.ID(who.official.ID)), incident.Year(year)).Exist(sys)
	if err != nil {
		return err
	}
	if hasIncident {
		return apperr.Newf(apperr.BadUserInput, "Cán bộ có vi phạm trong năm %d nên không được khen thưởng.",
			"The official has an incident in %d and cannot be commended for it.", year).OnField("officialId")
	}
	if needsRating[form] {
		rated, err := tx.SelfAssessment.Query().Where(selfassessment.HasOfficialWith(official.ID(who.official.ID)),
			selfassessment.Year(year), selfassessment.PeriodKindEQ(selfassessment.PeriodKindYEAR),
			selfassessment.StatusEQ(selfassessment.StatusREVIEWED),
			selfassessment.FinalClassificationIn(enum.ClassificationGood, enum.ClassificationExcellent)).Exist(sys)
		if err != nil {
			return err
		}
		if !rated {
			return apperr.Newf(apperr.BadUserInput,
				"Danh hiệu %s cần bản tự đánh giá năm %d đã được xem xét, xếp loại Tốt hoặc Xuất sắc.",
				"%s needs the official's %d yearly self-assessment reviewed as GOOD or EXCELLENT.", form, year).OnField("form")
		}
	}
	return nil
}

// Approve approves a proposed commendation with its decision (supervisors and administrators
// whose scope holds the recipient); the eligibility rules are checked again.
func (s *Service) Approve(ctx context.Context, id string, d Decision) (*ent.Commendation, error) {
	return s.decide(ctx, id, "commendationApprove", commendation.StatusPROPOSED, commendation.StatusAPPROVED, d)
}

// Decline declines a proposed commendation with a reason.
func (s *Service) Decline(ctx context.Context, id, reason string) (*ent.Commendation, error) {
	return s.decide(ctx, id, "commendationDecline", commendation.StatusPROPOSED, commendation.StatusDECLINED, Decision{Reason: reason})
}

// Revoke revokes an approved commendation with a reason (a violation in its year proven later).
func (s *Service) Revoke(ctx context.Context, id, reason string) (*ent.Commendation, error) {
	return s.decide(ctx, id, "commendationRevoke", commendation.StatusAPPROVED, commendation.StatusREVOKED, Decision{Reason: reason})
}

// decide moves a commendation from one status to another. The update is conditional on the
// status read, so of two concurrent decisions one wins and the other gets CONFLICT.
func (s *Service) decide(ctx context.Context, id, action string, from, to commendation.Status, d Decision) (*ent.Commendation, error) {
	v, err := signedIn(ctx, authz.RoleSupervisor, authz.RoleAdmin)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	c, err := tx.Commendation.Query().Where(commendation.ID(id)).
		WithOfficial(func(q *ent.OfficialQuery) { q.Select(official.FieldID) }).
		WithUnit(func(q *ent.UnitQuery) { q.Select(unit.FieldID) }).Only(authz.System(ctx, authz.SysAwardCheck))
	if ent.IsNotFound(err) {
		return nil, errNoCommendation
	} else if err != nil {
		return nil, err
	}
	var who recipient
	if c.Edges.Official != nil {
		who, err = s.recipientOf(ctx, c.Edges.Official.ID, "", false)
	} else if c.Edges.Unit != nil {
		who, err = s.recipientOf(ctx, "", c.Edges.Unit.ID, false)
	} else {
		return nil, errNoCommendation
	}
	if err != nil {
		return nil, err
	}
	if who.official != nil && who.official.ID == v.OfficialID {
		return nil, errOwn
	}
	if c.Status != from {
		return nil, apperr.Newf(apperr.Conflict, "Khen thưởng đang ở trạng thái %s; chỉ xử lý được khen thưởng %s.",
			"The commendation is %s; only a %s one can be decided so.", c.Status, from).OnField("commendationId")
	}
	u := tx.Commendation.Update().Where(commendation.ID(c.ID), commendation.StatusEQ(from)).SetStatus(to)
	entry := audit.Entry{Action: action, ObjectType: "Commendation", ObjectID: c.ID, Summary: fmt.Sprintf("%s -> %s", from, to)}
	if to == commendation.StatusAPPROVED {
		number, err := text(d.DecisionNumber, 60, apperr.BadInput("Cần số quyết định khen thưởng.", "The decision number is required.", "decisionNumber"),
			apperr.BadInput("Số quyết định dài quá 60 ký tự.", "The decision number is longer than 60 characters.", "decisionNumber"))
		if err != nil {
			return nil, err
		}
		if d.DecisionDate.IsZero() || s.future(d.DecisionDate) {
			return nil, apperr.BadInput("Ngày quyết định không được ở tương lai.", "The decision date cannot be in the future.", "decisionDate")
		}
		if err := s.eligible(ctx, who, c.Form, c.Year); err != nil {
			e, _ := apperr.As(err)
			if e == nil {
				return nil, err
			}
			return nil, e.OnField("commendationId") // the proposal no longer meets the rules
		}
		u.SetDecisionNumber(number).SetDecisionDate(d.DecisionDate)
		entry.Summary += " " + number
	} else {
		reason, err := text(d.Reason, maxReason, apperr.BadInput("Cần nêu lý do.", "A reason is required.", "reason"),
			apperr.BadInput("Lý do quá dài.", "The reason is too long.", "reason"))
		if err != nil {
			return nil, err
		}
		u.SetStatusReason(reason)
		entry.Reason = reason
	}
	n, err := u.Save(authz.Grant(ctx, action, ent.TypeCommendation))
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errChanged
	}
	if err := audit.Record(ctx, tx, entry); err != nil {
		return nil, err
	}
	if who.official != nil {
		kind := map[commendation.Status]notify.Kind{commendation.StatusAPPROVED: notify.CommendationApproved,
			commendation.StatusDECLINED: notify.CommendationDeclined, commendation.StatusREVOKED: notify.CommendationRevoked}[to]
		if err := s.notify.ToOfficial(ctx, who.official.ID, kind, c.ID, string(to), map[string]string{"year": strconv.Itoa(c.Year)}); err != nil {
			return nil, err
		}
	}
	return tx.Commendation.Get(ctx, c.ID)
}
