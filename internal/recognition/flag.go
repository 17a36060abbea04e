package recognition

import (
	"context"
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// RecordIncident is the one place an incident is established (a case's conclusion, an
// inspection): it creates it and flags what the official can no longer keep for its year, their
// awards (FlagAwards) and their self-assessments reviewed EXCELLENT or GOOD (FlagAssessments). tx
// is the transaction's client and ctx must carry the grant of the action establishing it.
func RecordIncident(ctx context.Context, tx *ent.Client, c *ent.IncidentCreate, now time.Time) (*ent.Incident, error) {
	officialID, ok := c.Mutation().OfficialID()
	if !ok {
		return nil, fmt.Errorf("recognition: an incident names no official")
	}
	inc, err := c.Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := FlagAwards(ctx, tx, officialID, inc.Year); err != nil {
		return nil, err
	}
	return inc, FlagAssessments(ctx, tx, officialID, inc, now)
}

// FlagAwards marks the official's approved and proposed awards of year for review, because an
// incident of that year has just been established (by a case's conclusion or an inspection):
// under the Law on Emulation and Commendation 2022 an award is revoked when violations in its
// period are proven later. Each award flagged is written to the audit log. tx is the
// transaction's client and ctx must carry the grant of the action establishing the incident.
func FlagAwards(ctx context.Context, tx *ent.Client, officialID string, year int) error {
	ids, err := tx.Commendation.Query().Where(commendation.HasOfficialWith(official.ID(officialID)),
		commendation.Year(year), commendation.StatusIn(commendation.StatusAPPROVED, commendation.StatusPROPOSED),
		commendation.Flagged(false)).IDs(authz.System(ctx, authz.SysIncidentFlags))
	if err != nil || len(ids) == 0 {
		return err
	}
	if _, err := tx.Commendation.Update().Where(commendation.IDIn(ids...)).SetFlagged(true).Save(ctx); err != nil {
		return err
	}
	for _, id := range ids {
		if err := audit.Record(ctx, tx, audit.Entry{Action: "commendationFlag", ObjectType: "Commendation", ObjectID: id,
			Summary: fmt.Sprintf("flagged: an incident of %d was established", year)}); err != nil {
			return err
		}
	}
	return nil
}

// FlagAssessments flags the official's self-assessments of the incident's year reviewed with a
// classification the incident bars (assessment.BarredByIncident), with the reason, so that they
// wait for a new review (Decree 48/2023: such an official cannot keep it). Each is written to the
// audit log.
func FlagAssessments(ctx context.Context, tx *ent.Client, officialID string, inc *ent.Incident, now time.Time) error {
	var barred []enum.Classification
	for _, c := range enum.Classification("").Values() {
		if assessment.BarredByIncident(enum.Classification(c)) {
			barred = append(barred, enum.Classification(c))
		}
	}
	ids, err := tx.SelfAssessment.Query().Where(selfassessment.HasOfficialWith(official.ID(officialID)),
		selfassessment.Year(inc.Year), selfassessment.StatusEQ(selfassessment.StatusREVIEWED),
		selfassessment.FinalClassificationIn(barred...), selfassessment.FlaggedAtIsNil()).IDs(authz.System(ctx, authz.SysIncidentFlags))
	if err != nil || len(ids) == 0 {
		return err
	}
	source := "kết luận giải quyết phản ánh, tố cáo"
	if inc.Source == incident.SourceINSPECTION {
		source = "kiểm tra"
	}
	reason := fmt.Sprintf("Vi phạm năm %d (ngày %s, %s, mã %s) được xác định sau khi xếp loại: cán bộ có vi phạm trong năm "+
		"không được xếp loại Hoàn thành xuất sắc hoặc Hoàn thành tốt nhiệm vụ (Nghị định 48/2023/NĐ-CP); cần xem xét lại.",
		inc.Year, inc.OccurredOn.In(assessment.Vietnam).Format("02/01/2006"), source, inc.ID)
	if _, err := tx.SelfAssessment.Update().Where(selfassessment.IDIn(ids...)).
		SetFlaggedAt(now).SetFlagReason(reason).Save(ctx); err != nil {
		return err
	}
	for _, id := range ids {
		if err := audit.Record(ctx, tx, audit.Entry{Action: "selfAssessmentFlag", ObjectType: "SelfAssessment", ObjectID: id,
			Summary: fmt.Sprintf("flagged for a new review: incident %s of %d established after the review", inc.ID, inc.Year)}); err != nil {
			return err
		}
	}
	return nil
}
