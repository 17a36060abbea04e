package selfreport

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/emulationregistration"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
)

// TodoKind is a kind of task on the to-do list.
type TodoKind string

// Kinds of tasks.
const (
	TodoAcknowledge   TodoKind = "ACKNOWLEDGE_CAMPAIGN"
	TodoSignPledge    TodoKind = "SIGN_PLEDGE"
	TodoSubmit        TodoKind = "SUBMIT_SELF_ASSESSMENT"
	TodoResubmit      TodoKind = "RESUBMIT_SELF_ASSESSMENT"
	TodoRegister      TodoKind = "REGISTER_EMULATION"
	TodoReview        TodoKind = "REVIEW_SELF_ASSESSMENTS"
	TodoRereview      TodoKind = "REREVIEW_SELF_ASSESSMENTS"
	TodoFollowPledges TodoKind = "FOLLOW_UP_PLEDGES"
)

// MarshalGQL writes the kind as a GraphQL enum value.
func (k TodoKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *TodoKind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("TodoKind must be a string")
	}
	*k = TodoKind(s)
	return nil
}

// Todo is one task left to do.
type Todo struct {
	Kind    TodoKind
	VI, EN  string
	DueAt   time.Time
	Overdue bool
	Count   int
}

// Title returns the task in the reader's language.
func (t Todo) Title(ctx context.Context) string {
	if apperr.Lang(ctx) == "en" {
		return t.EN
	}
	return t.VI
}

// OfficialYear is an official's year at a glance.
type OfficialYear struct {
	Year            int
	Official        *ent.Official
	Campaign        *ent.Campaign
	Acknowledgement *ent.Acknowledgement
	Pledge          *ent.Pledge
	SelfAssessments []*ent.SelfAssessment
	Commendations   []*ent.Commendation
	Todo            []Todo
}

// UnitYear is a unit's year at a glance, for its manager.
type UnitYear struct {
	Year         int
	Unit         *ent.Unit
	Campaign     *ent.Campaign
	Registration *ent.EmulationRegistration
	Headcount    int
	Todo         []Todo
	officials    *ent.OfficialQuery // in service in the unit tree
}

func endOfDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, assessment.Vietnam)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// campaignFor returns the latest campaign of the unit's province (or of the province it merged
// into, or one with no province), or nil.
func (s *Service) campaignFor(ctx context.Context, u *ent.Unit) (*ent.Campaign, error) {
	provID, err := s.db(ctx).Unit.QueryProvince(u).OnlyID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.db(ctx).Campaign.Query().Where(campaign.Or(
		campaign.Not(campaign.HasProvince()),
		campaign.HasProvinceWith(province.Or(province.ID(provID), province.HasPredecessorsWith(province.ID(provID)),
			province.HasSuccessorWith(province.ID(provID)))),
	)).Order(ent.Desc(campaign.FieldIssuedOn)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

// OfficialYear returns the viewer's own year; nil for an account without an official.
func (s *Service) OfficialYear(ctx context.Context, year *int) (*OfficialYear, error) {
	v := authz.FromContext(ctx)
	if v.OfficialID == "" {
		return nil, nil
	}
	y := s.Year()
	if year != nil {
		y = *year
	}
	off, err := s.db(ctx).Official.Query().Where(official.ID(v.OfficialID)).WithUnit().Only(ctx)
	if err != nil {
		return nil, err
	}
	out := &OfficialYear{Year: y, Official: off}
	if out.Campaign, err = s.campaignFor(ctx, off.Edges.Unit); err != nil {
		return nil, err
	}
	mine := official.ID(off.ID)
	if out.Campaign != nil {
		out.Acknowledgement, err = s.db(ctx).Acknowledgement.Query().Where(acknowledgement.HasOfficialWith(mine),
			acknowledgement.HasCampaignWith(campaign.ID(out.Campaign.ID))).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
	}
	out.Pledge, err = s.db(ctx).Pledge.Query().Where(pledge.HasOfficialWith(mine), pledge.Year(y),
		pledge.StatusEQ(pledge.StatusSIGNED)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if out.SelfAssessments, err = s.db(ctx).SelfAssessment.Query().Where(selfassessment.HasOfficialWith(mine),
		selfassessment.Year(y)).Order(ent.Asc(selfassessment.FieldPeriodKind), ent.Asc(selfassessment.FieldPeriod)).All(ctx); err != nil {
		return nil, err
	}
	if out.Commendations, err = s.db(ctx).Commendation.Query().Where(commendation.HasOfficialWith(mine),
		commendation.Year(y)).All(ctx); err != nil {
		return nil, err
	}
	out.Todo = s.officialTodo(out)
	return out, nil
}

// officialTodo lists what an official still has to do in the year.
func (s *Service) officialTodo(y *OfficialYear) []Todo {
	now := s.now()
	var todo []Todo
	add := func(kind TodoKind, vi, en string, due time.Time) {
		todo = append(todo, Todo{Kind: kind, VI: vi, EN: en, DueAt: due, Overdue: now.After(due), Count: 1})
	}
	start := y.Official.ActiveFrom
	if y.Campaign != nil && y.Acknowledgement == nil {
		due := later(y.Campaign.IssuedOn, start).AddDate(0, 0, 30)
		add(TodoAcknowledge, "Xác nhận đã đọc và hiểu cuộc vận động", "Acknowledge the campaign", endOfDay(due.Year(), due.Month(), due.Day()))
	}
	if y.Campaign != nil && y.Pledge == nil {
		due := later(endOfDay(y.Year, time.January, 31), start.AddDate(0, 0, 30))
		add(TodoSignPledge, fmt.Sprintf("Ký cam kết năm %d", y.Year), fmt.Sprintf("Sign the %d pledge", y.Year), due)
	}
	if y.Campaign != nil {
		closes := s.window.Closes(y.Year)
		var annual *ent.SelfAssessment
		for _, a := range y.SelfAssessments {
			if a.PeriodKind == selfassessment.PeriodKindYEAR {
				annual = a
			}
		}
		switch {
		case annual == nil || annual.Status == selfassessment.StatusDRAFT:
			add(TodoSubmit, fmt.Sprintf("Nộp bản tự đánh giá năm %d", y.Year), fmt.Sprintf("Submit the %d self-assessment", y.Year), closes)
		case annual.Status == selfassessment.StatusRETURNED:
			add(TodoResubmit, "Sửa và nộp lại bản tự đánh giá bị trả lại", "Revise and resubmit the returned self-assessment", closes)
		}
	}
	slices.SortStableFunc(todo, func(a, b Todo) int { return a.DueAt.Compare(b.DueAt) })
	return todo
}

// UnitYear returns the year of the unit a unit manager's scope names; nil for other roles.
func (s *Service) UnitYear(ctx context.Context, year *int) (*UnitYear, error) {
	v := authz.FromContext(ctx)
	if v.Role != authz.RoleUnitManager || v.Scope.Kind != authz.ScopeUnit {
		return nil, nil
	}
	y := s.Year()
	if year != nil {
		y = *year
	}
	u, err := s.db(ctx).Unit.Get(ctx, v.Scope.ID)
	if err != nil {
		return nil, err
	}
	out := &UnitYear{Year: y, Unit: u}
	if out.Campaign, err = s.campaignFor(ctx, u); err != nil {
		return nil, err
	}
	// The viewer's read filter limits officials to the manager's unit tree; the headcount is
	// progress's: in service on the year's reference day.
	out.officials = s.db(ctx).Official.Query().Where(progress.Counted(y, s.now()))
	if out.Headcount, err = out.officials.Clone().Count(ctx); err != nil {
		return nil, err
	}
	if out.Campaign != nil {
		out.Registration, err = s.db(ctx).EmulationRegistration.Query().Where(
			emulationregistration.HasUnitWith(unit.ID(u.ID)), emulationregistration.Year(y),
			emulationregistration.HasCampaignWith(campaign.ID(out.Campaign.ID))).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
	}
	notPledged, err := s.NotPledged(out).Count(ctx)
	if err != nil {
		return nil, err
	}
	waiting, err := s.AwaitingReview(ctx, out).Where(selfassessment.StatusEQ(selfassessment.StatusSUBMITTED)).Count(ctx)
	if err != nil {
		return nil, err
	}
	again, err := s.AwaitingReview(ctx, out).Where(flagged).Count(ctx)
	if err != nil {
		return nil, err
	}
	out.Todo = s.unitTodo(out, notPledged, waiting, again)
	return out, nil
}

func (s *Service) unitTodo(y *UnitYear, notPledged, waiting, again int) []Todo {
	now := s.now()
	var todo []Todo
	add := func(kind TodoKind, vi, en string, due time.Time, n int) {
		todo = append(todo, Todo{Kind: kind, VI: vi, EN: en, DueAt: due, Overdue: now.After(due), Count: n})
	}
	if y.Campaign != nil && y.Registration == nil {
		add(TodoRegister, fmt.Sprintf("Đăng ký thi đua năm %d cho đơn vị", y.Year), fmt.Sprintf("Register the unit for %d", y.Year),
			endOfDay(y.Year, time.March, 31), 1)
	}
	if notPledged > 0 {
		add(TodoFollowPledges, fmt.Sprintf("%d cán bộ chưa ký cam kết năm %d", notPledged, y.Year),
			fmt.Sprintf("%d officials have not signed the %d pledge", notPledged, y.Year), endOfDay(y.Year, time.January, 31), notPledged)
	}
	if waiting > 0 {
		add(TodoReview, fmt.Sprintf("%d bản tự đánh giá chờ xem xét", waiting), fmt.Sprintf("%d self-assessments wait for review", waiting),
			s.window.Closes(y.Year), waiting)
	}
	if again > 0 { // due by the year's window, or today for a past year's
		today := now.In(assessment.Vietnam)
		add(TodoRereview, fmt.Sprintf("%d bản tự đánh giá cần xem xét lại do vi phạm được xác định sau khi xếp loại", again),
			fmt.Sprintf("%d self-assessments to review again: an incident was established after their review", again),
			later(s.window.Closes(y.Year), endOfDay(today.Year(), today.Month(), today.Day())), again)
	}
	slices.SortStableFunc(todo, func(a, b Todo) int { return a.DueAt.Compare(b.DueAt) })
	return todo
}

// NotPledged is the query of the unit's officials in service without a signed pledge for the year.
func (s *Service) NotPledged(y *UnitYear) *ent.OfficialQuery {
	return y.officials.Clone().Where(official.Not(official.HasPledgesWith(pledge.Year(y.Year), pledge.StatusEQ(pledge.StatusSIGNED))))
}

// AwaitingReview is the query of the unit's self-assessments of the year that the viewer may
// review (not their own): submitted ones, and reviewed ones flagged for a new review.
func (s *Service) AwaitingReview(ctx context.Context, y *UnitYear) *ent.SelfAssessmentQuery {
	return s.db(ctx).SelfAssessment.Query().Where(selfassessment.Year(y.Year),
		selfassessment.Or(selfassessment.StatusEQ(selfassessment.StatusSUBMITTED), flagged),
		selfassessment.Not(selfassessment.HasOfficialWith(official.ID(authz.FromContext(ctx).OfficialID))))
}

// flagged are the reviewed self-assessments an incident established later sent back for review.
var flagged = selfassessment.And(selfassessment.StatusEQ(selfassessment.StatusREVIEWED), selfassessment.FlaggedAtNotNil())
