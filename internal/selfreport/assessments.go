package selfreport

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/selfassessmentitem"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/notify"
)

// Item is one criterion of a self-assessment as the official fills it in.
type Item struct {
	CriterionCode string `json:"criterionCode"`
	Kept          *bool  `json:"kept,omitempty"`   // prohibitions
	Rating        *int   `json:"rating,omitempty"` // virtues, 1 to 5
	Note          string `json:"note,omitempty"`
}

// Draft is a self-assessment as saved by the official.
type Draft struct {
	CampaignID string                    `json:"campaignId"`
	Year       int                       `json:"year"`
	PeriodKind selfassessment.PeriodKind `json:"periodKind"`
	Period     int                       `json:"period"`
	Items      []Item                    `json:"items"`
	Score      *int                      `json:"score,omitempty"`
	Proposed   *enum.Classification      `json:"proposed,omitempty"`
	Summary    string                    `json:"summary"`
}

// individualKinds are the criteria an official assesses themself on.
var individualKinds = []criterion.Kind{criterion.KindINDIVIDUAL_PROHIBITION, criterion.KindINDIVIDUAL_VIRTUE}

// check validates a draft against the campaign's criteria and the year's scheme.
func (s *Service) check(ctx context.Context, d *Draft) (map[string]*ent.Criterion, error) {
	if d.PeriodKind == "" {
		d.PeriodKind = selfassessment.PeriodKindYEAR
	}
	switch {
	case d.PeriodKind == selfassessment.PeriodKindYEAR && d.Period != 0:
		return nil, apperr.BadInput("Bản tự đánh giá năm không có kỳ.", "A yearly assessment has no period number.", "period")
	case d.PeriodKind == selfassessment.PeriodKindQUARTER && (d.Period < 1 || d.Period > 4):
		return nil, apperr.BadInput("Quý phải từ 1 đến 4.", "The quarter must be 1 to 4.", "period")
	case d.PeriodKind == selfassessment.PeriodKindMONTH && (d.Period < 1 || d.Period > 12):
		return nil, apperr.BadInput("Tháng phải từ 1 đến 12.", "The month must be 1 to 12.", "period")
	}
	if y := s.Year(); d.Year > y || d.Year < y-1 {
		return nil, apperr.Newf(apperr.BadUserInput, "Chỉ tự đánh giá cho năm %d hoặc %d.",
			"Self-assessments are for %d or %d.", y-1, y).OnField("year")
	}
	scheme := assessment.SchemeFor(d.Year)
	if d.Score != nil {
		if scheme != selfassessment.SchemeSCORE_100 {
			return nil, apperr.BadInput("Năm này xếp loại theo 4 mức, không chấm điểm.", "This year is classified on four levels, without a score.", "score")
		}
		if *d.Score < 0 || *d.Score > 100 {
			return nil, apperr.BadInput("Điểm phải từ 0 đến 100.", "The score must be 0 to 100.", "score")
		}
		derived := assessment.ClassificationForScore(*d.Score)
		if d.Proposed != nil && *d.Proposed != derived {
			return nil, apperr.Newf(apperr.BadUserInput, "Với %d điểm, xếp loại là %s.",
				"A score of %d means %s.", *d.Score, derived).OnField("proposedClassification")
		}
		d.Proposed = &derived
	}
	crits, err := s.db(ctx).Criterion.Query().Where(criterion.HasCampaignWith(campaign.ID(d.CampaignID)),
		criterion.KindIn(individualKinds...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*ent.Criterion{}
	for _, c := range crits {
		byCode[c.Code] = c
	}
	seen := map[string]bool{}
	for i, it := range d.Items {
		at := func(f string) []string { return []string{"items", strconv.Itoa(i), f} }
		c := byCode[it.CriterionCode]
		switch {
		case c == nil:
			return nil, apperr.Newf(apperr.BadUserInput, "Tiêu chí %q không thuộc phần tự đánh giá của cuộc vận động.",
				"Criterion %q is not one an official assesses in this campaign.", it.CriterionCode).OnField(at("criterionCode")...)
		case seen[it.CriterionCode]:
			return nil, apperr.Newf(apperr.BadUserInput, "Tiêu chí %q bị lặp.", "Criterion %q appears twice.", it.CriterionCode).
				OnField(at("criterionCode")...)
		case c.Kind == criterion.KindINDIVIDUAL_PROHIBITION && (it.Kept == nil || it.Rating != nil):
			return nil, apperr.BadInput("Với điều cấm, hãy cho biết đã giữ (kept) hay vi phạm; không chấm điểm.",
				"For a prohibition, say whether it was kept; it takes no rating.", at("kept")...)
		case c.Kind == criterion.KindINDIVIDUAL_VIRTUE && (it.Rating == nil || *it.Rating < 1 || *it.Rating > 5 || it.Kept != nil):
			return nil, apperr.BadInput("Với phẩm chất, hãy tự chấm từ 1 đến 5.", "Rate a virtue from 1 to 5.", at("rating")...)
		case len(it.Note) > 2000:
			return nil, apperr.BadInput("Ghi chú dài quá 2000 ký tự.", "The note is longer than 2000 characters.", at("note")...)
		}
		seen[it.CriterionCode] = true
	}
	return byCode, nil
}

func (s *Service) own(ctx context.Context, id string, off *ent.Official) (*ent.SelfAssessment, error) {
	a, err := s.db(ctx).SelfAssessment.Query().Where(selfassessment.ID(id),
		selfassessment.HasOfficialWith(official.ID(off.ID))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.BadInput("Không tìm thấy bản tự đánh giá của bạn.", "No such self-assessment of yours.", "selfAssessmentId")
	}
	return a, err
}

// SaveAssessment creates or updates the viewer's draft for a period (any number of times until
// submitted; after a return, again).
func (s *Service) SaveAssessment(ctx context.Context, d Draft, key string) (*ent.SelfAssessment, error) {
	off, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.campaign(ctx, d.CampaignID); err != nil {
		return nil, err
	}
	byCode, err := s.check(ctx, &d)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	return idempotent(ctx, tx, "selfAssessmentSave", key, d, tx.SelfAssessment.Get,
		func(ctx context.Context) (*ent.SelfAssessment, string, error) {
			existing, err := tx.SelfAssessment.Query().Where(selfassessment.HasOfficialWith(official.ID(off.ID)),
				selfassessment.HasCampaignWith(campaign.ID(d.CampaignID)), selfassessment.Year(d.Year),
				selfassessment.PeriodKindEQ(d.PeriodKind), selfassessment.Period(d.Period)).Only(ctx)
			var a *ent.SelfAssessment
			switch {
			case ent.IsNotFound(err):
				c := tx.SelfAssessment.Create().SetOfficial(off).SetCampaignID(d.CampaignID).SetYear(d.Year).
					SetPeriodKind(d.PeriodKind).SetPeriod(d.Period).SetScheme(assessment.SchemeFor(d.Year)).
					SetSummary(d.Summary).SetNillableScore(d.Score).SetNillableProposedClassification(d.Proposed)
				if a, err = c.Save(ctx); err != nil {
					return nil, "", err
				}
			case err != nil:
				return nil, "", err
			case existing.Status == selfassessment.StatusSUBMITTED || existing.Status == selfassessment.StatusREVIEWED:
				return nil, "", apperr.New(apperr.Conflict, "Bản tự đánh giá đã nộp, không sửa được nữa.",
					"The self-assessment is already submitted and can no longer change.").OnField("year")
			default:
				u := tx.SelfAssessment.UpdateOne(existing).SetSummary(d.Summary)
				if d.Score != nil {
					u.SetScore(*d.Score)
				} else {
					u.ClearScore()
				}
				if d.Proposed != nil {
					u.SetProposedClassification(*d.Proposed)
				} else {
					u.ClearProposedClassification()
				}
				if a, err = u.Save(ctx); err != nil {
					return nil, "", err
				}
				if _, err := tx.SelfAssessmentItem.Delete().
					Where(selfassessmentitem.HasAssessmentWith(selfassessment.ID(a.ID))).Exec(ctx); err != nil {
					return nil, "", err
				}
			}
			items := make([]*ent.SelfAssessmentItemCreate, 0, len(d.Items))
			for _, it := range d.Items {
				items = append(items, tx.SelfAssessmentItem.Create().SetAssessment(a).SetCriterion(byCode[it.CriterionCode]).
					SetNillableKept(it.Kept).SetNillableRating(it.Rating).SetNote(it.Note))
			}
			if err := tx.SelfAssessmentItem.CreateBulk(items...).Exec(ctx); err != nil {
				return nil, "", err
			}
			return a, a.ID, nil
		})
}

// SubmitAssessment submits the viewer's draft (or returned) assessment while the window is open.
func (s *Service) SubmitAssessment(ctx context.Context, id, key string) (*ent.SelfAssessment, error) {
	off, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.own(ctx, id, off)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	return idempotent(ctx, tx, "selfAssessmentSubmit", key, []string{id}, tx.SelfAssessment.Get,
		func(ctx context.Context) (*ent.SelfAssessment, string, error) {
			if a.Status != selfassessment.StatusDRAFT && a.Status != selfassessment.StatusRETURNED {
				return nil, "", apperr.New(apperr.Conflict, "Bản tự đánh giá đã được nộp.",
					"The self-assessment is already submitted.").OnField("selfAssessmentId")
			}
			if err := s.window.CheckSubmission(a.Year, s.now()); err != nil {
				return nil, "", err
			}
			if err := s.complete(ctx, a); err != nil {
				return nil, "", err
			}
			n, err := tx.SelfAssessment.Update().Where(selfassessment.ID(a.ID),
				selfassessment.StatusIn(selfassessment.StatusDRAFT, selfassessment.StatusRETURNED)).
				SetStatus(selfassessment.StatusSUBMITTED).SetSubmittedAt(s.now()).Save(ctx)
			if err != nil {
				return nil, "", err
			}
			if n != 1 {
				return nil, "", apperr.New(apperr.Conflict, "Bản tự đánh giá vừa được nộp.",
					"The self-assessment was just submitted.").OnField("selfAssessmentId")
			}
			out, err := tx.SelfAssessment.Get(ctx, a.ID)
			return out, a.ID, err
		})
}

// complete checks every individual criterion has an item and a classification is proposed.
func (s *Service) complete(ctx context.Context, a *ent.SelfAssessment) error {
	campID, err := s.db(ctx).SelfAssessment.QueryCampaign(a).OnlyID(ctx)
	if err != nil {
		return err
	}
	want, err := s.db(ctx).Criterion.Query().Where(criterion.HasCampaignWith(campaign.ID(campID)),
		criterion.KindIn(individualKinds...)).Count(ctx)
	if err != nil {
		return err
	}
	have, err := s.db(ctx).SelfAssessmentItem.Query().Where(selfassessmentitem.HasAssessmentWith(selfassessment.ID(a.ID))).Count(authz.System(ctx, authz.SysAssessmentItems))
	if err != nil {
		return err
	}
	if have < want {
		return apperr.Newf(apperr.BadUserInput, "Còn %d tiêu chí chưa tự đánh giá.", "%d criteria are not assessed yet.", want-have).
			OnField("items")
	}
	if a.Scheme == selfassessment.SchemeSCORE_100 && a.Score == nil {
		return apperr.BadInput("Cần tự chấm điểm (thang 100).", "A score out of 100 is required.", "score")
	}
	if a.ProposedClassification == nil {
		return apperr.BadInput("Cần đề xuất xếp loại.", "A proposed classification is required.", "proposedClassification")
	}
	return nil
}

// reviewable loads a submitted assessment for a reviewer (for a review, also a reviewed one
// flagged for a new review): staff holding the official in scope, never their own.
func (s *Service) reviewable(ctx context.Context, id string, review bool) (*ent.SelfAssessment, *ent.Official, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, nil, authz.ErrUnauthenticated
	}
	switch v.Role {
	case authz.RoleUnitManager, authz.RoleSupervisor, authz.RoleAdmin:
	default:
		return nil, nil, authz.ErrForbidden
	}
	a, err := s.db(ctx).SelfAssessment.Query().Where(selfassessment.ID(id)).WithOfficial().Only(ctx)
	if ent.IsNotFound(err) { // outside the scope is as if it did not exist
		return nil, nil, apperr.BadInput("Không tìm thấy bản tự đánh giá.", "No such self-assessment.", "selfAssessmentId")
	} else if err != nil {
		return nil, nil, err
	}
	if err := assessment.CanReview(v.OfficialID, a.Edges.Official.ID); err != nil {
		return nil, nil, err
	}
	if a.Status != selfassessment.StatusSUBMITTED && !(review && a.FlaggedAt != nil) {
		return nil, nil, apperr.New(apperr.Conflict, "Chỉ xem xét được bản tự đánh giá đã nộp, hoặc đã xếp loại mà bị đánh dấu cần xem xét lại.",
			"Only a submitted self-assessment, or a reviewed one flagged for a new review, can be reviewed; only a submitted one returned.").
			OnField("selfAssessmentId")
	}
	return a, a.Edges.Official, nil
}

// ReturnAssessment sends a submitted assessment back to its official with a comment.
func (s *Service) ReturnAssessment(ctx context.Context, id, comment string) (*ent.SelfAssessment, error) {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return nil, apperr.BadInput("Cần ghi ý kiến khi trả lại.", "A comment is required to return an assessment.", "comment")
	}
	a, off, err := s.reviewable(ctx, id, false)
	if err != nil {
		return nil, err
	}
	out, err := s.transition(ctx, a, "selfAssessmentReturn", func(u *ent.SelfAssessmentUpdate) {
		u.SetStatus(selfassessment.StatusRETURNED).SetReviewComment(comment)
	})
	if err != nil {
		return nil, err
	}
	if err := s.notify.ToOfficial(ctx, off.ID, notify.AssessmentReturned, a.ID, "returned-"+out.UpdatedAt.Format(time.RFC3339Nano),
		map[string]string{"year": strconv.Itoa(a.Year)}); err != nil {
		return nil, err
	}
	return out, audit.Record(ctx, s.db(ctx), audit.Entry{Action: "selfAssessmentReturn", ObjectType: "SelfAssessment",
		ObjectID: a.ID, Summary: "returned to the official"})
}

// ReviewAssessment sets the final classification (or "not rated" for fewer than six months of
// service) under the rules of package assessment.
func (s *Service) ReviewAssessment(ctx context.Context, id string, final *enum.Classification, comment, key string) (*ent.SelfAssessment, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	tx := s.db(ctx)
	// The key is looked at first: a retry of a review that went through returns it, although the
	// assessment is no longer SUBMITTED.
	return idempotent(ctx, tx, "selfAssessmentReview", key, []any{id, final, comment}, tx.SelfAssessment.Get,
		func(ctx context.Context) (*ent.SelfAssessment, string, error) {
			a, off, err := s.reviewable(ctx, id, true)
			if err != nil {
				return nil, "", err
			}
			hasIncident, err := tx.Incident.Query().Where(incident.HasOfficialWith(official.ID(off.ID)), incident.Year(a.Year)).
				Exist(authz.System(ctx, authz.SysIncidentBar))
			if err != nil {
				return nil, "", err
			}
			r := assessment.Review{Final: final, Comment: comment, HasIncident: hasIncident, Scheme: a.Scheme, Score: a.Score,
				WorkedSixMonths: assessment.WorkedSixMonths(off.ActiveFrom, off.ActiveTo, a.Year)}
			if err := r.Check(); err != nil {
				return nil, "", err
			}
			out, err := s.transition(ctx, a, "selfAssessmentReview", func(u *ent.SelfAssessmentUpdate) {
				u.SetStatus(selfassessment.StatusREVIEWED).SetNotRated(final == nil).SetReviewComment(comment).
					SetReviewedAt(s.now()).SetReviewerID(v.AccountID).ClearFlaggedAt().ClearFlagReason()
				if final == nil { // a new review may leave an earlier classification behind
					u.ClearFinalClassification()
				} else {
					u.SetFinalClassification(*final)
				}
			})
			if err != nil {
				return nil, "", err
			}
			if err := s.notify.ToOfficial(ctx, off.ID, notify.AssessmentReviewed, a.ID, "reviewed-"+out.UpdatedAt.Format(time.RFC3339Nano),
				map[string]string{"year": strconv.Itoa(a.Year)}); err != nil {
				return nil, "", err
			}
			return out, out.ID, nil
		})
}

// transition moves a submitted (or flagged) assessment on, if nobody moved it meanwhile.
func (s *Service) transition(ctx context.Context, a *ent.SelfAssessment, action string, set func(*ent.SelfAssessmentUpdate)) (*ent.SelfAssessment, error) {
	tx := s.db(ctx)
	still := selfassessment.StatusEQ(selfassessment.StatusSUBMITTED)
	if a.FlaggedAt != nil {
		still = selfassessment.And(selfassessment.StatusEQ(selfassessment.StatusREVIEWED), selfassessment.FlaggedAtNotNil())
	}
	u := tx.SelfAssessment.Update().Where(selfassessment.ID(a.ID), still)
	set(u)
	n, err := u.Save(authz.Grant(ctx, action, ent.TypeSelfAssessment))
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, apperr.New(apperr.Conflict, "Bản tự đánh giá vừa được người khác xử lý.",
			"Someone else has just handled this self-assessment.").OnField("selfAssessmentId")
	}
	return tx.SelfAssessment.Get(ctx, a.ID)
}
