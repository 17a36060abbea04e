// Package selfreport is what an official does in the app every year and what their unit manager
// does with it (DESIGN.md §4): acknowledge the campaign, sign and withdraw the yearly pledge,
// register the unit for the emulation movement, save, submit, return and review self-assessments,
// and the year at a glance with its to-do list. The rules of the assessment itself are in package
// assessment; every write here is checked first, then granted (authz.Grant), recorded in the
// audit log, and safe to retry with an idempotency key.
package selfreport

import (
	"context"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/emulationregistration"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Service carries out officials' self-reporting.
type Service struct {
	client *ent.Client
	window assessment.Window
	now    func() time.Time
	notify *notify.Service
}

// UseNotify makes returns and reviews notify the official (package notify).
func (s *Service) UseNotify(n *notify.Service) { s.notify = n }

// New returns the service; now is the clock (time.Now outside tests).
func New(client *ent.Client, window assessment.Window, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, window: window, now: now}
}

// Year is the current year in Vietnam.
func (s *Service) Year() int { return s.now().In(assessment.Vietnam).Year() }

var (
	errNotOfficial = apperr.New(apperr.Forbidden,
		"Chỉ tài khoản gắn với một cán bộ mới thực hiện được thao tác này.",
		"Only an account linked to an official can do this.")
	errNoCampaign = apperr.New(apperr.NotFound, "Không tìm thấy cuộc vận động.", "No such campaign.").OnField("campaignId")
	errLeft       = apperr.New(apperr.BadUserInput, "Cán bộ đã thôi công tác.", "The official is no longer in service.")
)

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// self returns the viewer's own official, in service.
func (s *Service) self(ctx context.Context) (*ent.Official, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if v.OfficialID == "" {
		return nil, errNotOfficial
	}
	off, err := s.db(ctx).Official.Get(ctx, v.OfficialID)
	if err != nil {
		return nil, err
	}
	if off.ActiveTo != nil && off.ActiveTo.Before(s.now()) {
		return nil, errLeft
	}
	return off, nil
}

func (s *Service) campaign(ctx context.Context, id string) (*ent.Campaign, error) {
	c, err := s.db(ctx).Campaign.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errNoCampaign
	}
	return c, err
}

// idempotent runs create under the viewer's key for operation (idempotency.Do), audited on the
// operation's object type.
func idempotent[T any](ctx context.Context, tx *ent.Client, operation, key string, input any,
	get func(context.Context, string) (T, error), create func(context.Context) (T, string, error)) (T, error) {
	return idempotency.Do(ctx, tx, key, input, audit.Entry{Action: operation, ObjectType: objectType(operation)},
		writesOf(operation), get, create)
}

// writesOf are the types an operation writes (its grant).
func writesOf(operation string) []string {
	switch operation {
	case "campaignAcknowledge":
		return []string{ent.TypeAcknowledgement}
	case "pledgeSign":
		return []string{ent.TypePledge}
	case "emulationRegister":
		return []string{ent.TypeEmulationRegistration}
	case "selfAssessmentSave":
		return []string{ent.TypeSelfAssessment, ent.TypeSelfAssessmentItem}
	case "selfAssessmentSubmit", "selfAssessmentReview":
		return []string{ent.TypeSelfAssessment}
	}
	return nil
}

func objectType(operation string) string {
	switch {
	case strings.HasPrefix(operation, "campaign"):
		return "Acknowledgement"
	case strings.HasPrefix(operation, "pledge"):
		return "Pledge"
	case strings.HasPrefix(operation, "emulation"):
		return "EmulationRegistration"
	}
	return "SelfAssessment"
}

// Acknowledge records that the viewer's official has read the campaign; once per campaign.
func (s *Service) Acknowledge(ctx context.Context, campaignID, key string) (*ent.Acknowledgement, error) {
	off, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	camp, err := s.campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	return idempotent(ctx, tx, "campaignAcknowledge", key, []string{campaignID}, tx.Acknowledgement.Get,
		func(ctx context.Context) (*ent.Acknowledgement, string, error) {
			done, err := tx.Acknowledgement.Query().Where(acknowledgement.HasOfficialWith(official.ID(off.ID)),
				acknowledgement.HasCampaignWith(campaign.ID(camp.ID))).Exist(ctx)
			if err != nil {
				return nil, "", err
			}
			if done {
				return nil, "", apperr.New(apperr.Conflict, "Bạn đã xác nhận cuộc vận động này.",
					"You have already acknowledged this campaign.").OnField("campaignId")
			}
			a, err := tx.Acknowledgement.Create().SetOfficial(off).SetCampaign(camp).SetAcknowledgedAt(s.now()).Save(ctx)
			if err != nil {
				return nil, "", err
			}
			return a, a.ID, nil
		})
}

// SignPledge signs the five "no"s for a year: the current one (or, in December, the next).
func (s *Service) SignPledge(ctx context.Context, campaignID string, year int, key string) (*ent.Pledge, error) {
	off, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	camp, err := s.campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	now := s.now().In(assessment.Vietnam)
	if year != now.Year() && !(year == now.Year()+1 && now.Month() == time.December) {
		return nil, apperr.Newf(apperr.BadUserInput,
			"Chỉ ký cam kết cho năm %d (hoặc năm sau, từ tháng 12).",
			"Pledges are signed for %d (or, from December, the next year).", now.Year()).OnField("year")
	}
	tx := s.db(ctx)
	return idempotent(ctx, tx, "pledgeSign", key, []any{campaignID, year}, tx.Pledge.Get,
		func(ctx context.Context) (*ent.Pledge, string, error) {
			signed, err := tx.Pledge.Query().Where(pledge.HasOfficialWith(official.ID(off.ID)),
				pledge.HasCampaignWith(campaign.ID(camp.ID)), pledge.Year(year), pledge.StatusEQ(pledge.StatusSIGNED)).Exist(ctx)
			if err != nil {
				return nil, "", err
			}
			if signed {
				return nil, "", apperr.Newf(apperr.Conflict,
					"Bạn đã ký cam kết năm %d; muốn ký lại, hãy rút cam kết cũ trước.",
					"You have already signed the %d pledge; withdraw it first to sign again.", year).OnField("year")
			}
			p, err := tx.Pledge.Create().SetOfficial(off).SetCampaign(camp).SetYear(year).SetSignedAt(s.now()).Save(ctx)
			if ent.IsConstraintError(err) { // a concurrent signing under another key won
				return nil, "", apperr.Newf(apperr.Conflict, "Bạn đã ký cam kết năm %d.", "You have already signed the %d pledge.", year).OnField("year")
			}
			if err != nil {
				return nil, "", err
			}
			return p, p.ID, nil
		})
}

// WithdrawPledge withdraws the viewer's own signed pledge with a reason; the pledge stays, marked.
func (s *Service) WithdrawPledge(ctx context.Context, pledgeID, reason string) (*ent.Pledge, error) {
	off, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.New(apperr.BadUserInput, "Cần nêu lý do rút cam kết.", "A reason is required.").OnField("reason")
	}
	tx := s.db(ctx)
	p, err := tx.Pledge.Query().Where(pledge.ID(pledgeID), pledge.HasOfficialWith(official.ID(off.ID))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy cam kết của bạn.", "No such pledge of yours.").OnField("pledgeId")
	} else if err != nil {
		return nil, err
	}
	if p.Status != pledge.StatusSIGNED {
		return nil, apperr.New(apperr.Conflict, "Cam kết này đã được rút.", "This pledge is already withdrawn.").OnField("pledgeId")
	}
	n, err := tx.Pledge.Update().Where(pledge.ID(p.ID), pledge.StatusEQ(pledge.StatusSIGNED)).
		SetStatus(pledge.StatusWITHDRAWN).SetWithdrawnAt(s.now()).SetWithdrawalReason(reason).
		Save(authz.Grant(ctx, "pledgeWithdraw", ent.TypePledge))
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, apperr.New(apperr.Conflict, "Cam kết này đã được rút.", "This pledge is already withdrawn.").OnField("pledgeId")
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "pledgeWithdraw", ObjectType: "Pledge", ObjectID: p.ID,
		Summary: "pledge withdrawn", Reason: reason}); err != nil {
		return nil, err
	}
	return tx.Pledge.Get(ctx, p.ID)
}

// Register registers a unit for the emulation movement of a year, by its manager (or a supervisor
// holding it in scope).
func (s *Service) Register(ctx context.Context, unitID, campaignID string, year int, goals, key string) (*ent.EmulationRegistration, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	switch v.Role {
	case authz.RoleUnitManager, authz.RoleSupervisor, authz.RoleAdmin:
	default:
		return nil, authz.ErrForbidden
	}
	if err := s.inScope(ctx, unitID); err != nil {
		return nil, err
	}
	camp, err := s.campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	goals = strings.TrimSpace(goals)
	if goals == "" {
		return nil, apperr.New(apperr.BadUserInput, "Cần nêu mục tiêu thi đua.", "The goals are required.").OnField("goals")
	}
	if now := s.now().In(assessment.Vietnam); year < now.Year() || year > now.Year()+1 {
		return nil, apperr.Newf(apperr.BadUserInput, "Chỉ đăng ký thi đua cho năm %d hoặc năm sau.",
			"Registration is for %d or the next year.", now.Year()).OnField("year")
	}
	tx := s.db(ctx)
	return idempotent(ctx, tx, "emulationRegister", key, []any{unitID, campaignID, year, goals}, tx.EmulationRegistration.Get,
		func(ctx context.Context) (*ent.EmulationRegistration, string, error) {
			exists, err := tx.EmulationRegistration.Query().Where(emulationregistration.HasUnitWith(unit.ID(unitID)),
				emulationregistration.HasCampaignWith(campaign.ID(camp.ID)), emulationregistration.Year(year)).Exist(ctx)
			if err != nil {
				return nil, "", err
			}
			if exists {
				return nil, "", apperr.Newf(apperr.Conflict, "Đơn vị đã đăng ký thi đua năm %d.",
					"The unit is already registered for %d.", year).OnField("year")
			}
			r, err := tx.EmulationRegistration.Create().SetUnitID(unitID).SetCampaign(camp).SetYear(year).
				SetGoals(goals).SetRegisteredAt(s.now()).Save(ctx)
			if err != nil {
				return nil, "", err
			}
			return r, r.ID, nil
		})
}

// inScope checks the viewer is staff holding the unit in scope: the read filters decide, so a
// unit outside the scope is as if it did not exist.
func (s *Service) inScope(ctx context.Context, unitID string) error {
	v := authz.FromContext(ctx)
	if !v.Staff() {
		return authz.ErrForbidden
	}
	n, err := s.db(ctx).Unit.Query().Where(unit.ID(unitID)).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "Không tìm thấy đơn vị.", "No such unit.").OnField("unitId")
	}
	ok, err := authz.UnitInScope(ctx, s.db(ctx), unitID)
	if err != nil {
		return err
	}
	if !ok {
		return authz.ErrForbidden
	}
	return nil
}
