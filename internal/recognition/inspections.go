package recognition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// InspectionRecord is an inspection as the inspector enters it.
type InspectionRecord struct {
	UnitID      string    `json:"unitId"`
	CampaignID  string    `json:"campaignId,omitempty"`
	InspectedOn time.Time `json:"inspectedOn"`
	Inspectors  []string  `json:"inspectors"`
	Findings    string    `json:"findings"`
	Incidents   []Finding `json:"incidents,omitempty"`
}

// Finding is an incident an inspection found.
type Finding struct {
	OfficialID string        `json:"officialId"`
	Category   enum.Category `json:"category"`
	OccurredOn time.Time     `json:"occurredOn"`
	Summary    string        `json:"summary"`
}

// Limits of an inspection record.
const (
	maxInspectors = 50
	maxName       = 200 // bytes per inspector's name
	maxIncidents  = 200
)

// RecordInspection records an inspection of a unit with its findings and the incidents it found
// (supervisors, inspectors and administrators whose scope holds the unit). Each incident counts
// in the year of the conduct (in Vietnam) against the official's current unit, like a case's
// conclusion, and flags the official's awards of that year. Everything is checked before
// anything is written: an invalid part leaves nothing behind. A retry with the same key returns
// the first record.
func (s *Service) RecordInspection(ctx context.Context, in InspectionRecord, key string) (*ent.Inspection, error) {
	v, err := signedIn(ctx, authz.RoleSupervisor, authz.RoleInspector, authz.RoleAdmin)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	entry := audit.Entry{Action: "inspectionRecord", ObjectType: "Inspection",
		Summary: fmt.Sprintf("inspection of unit %s, %d incident(s)", in.UnitID, len(in.Incidents))}
	return idempotency.Do(ctx, tx, key, in, entry, inspectionWrites, tx.Inspection.Get,
		func(ctx context.Context) (*ent.Inspection, string, error) {
			inspectors, units, err := s.checkInspection(ctx, in)
			if err != nil {
				return nil, "", err
			}
			c := tx.Inspection.Create().SetUnitID(in.UnitID).SetInspectedOn(in.InspectedOn).
				SetInspectors(inspectors).SetFindings(strings.TrimSpace(in.Findings)).SetRecordedByID(v.AccountID)
			if in.CampaignID != "" {
				c.SetCampaignID(in.CampaignID)
			}
			insp, err := c.Save(ctx)
			if err != nil {
				return nil, "", err
			}
			for i, f := range in.Incidents {
				year := f.OccurredOn.In(workdays.Vietnam).Year() // the year of the conduct, in Vietnam
				if _, err := RecordIncident(ctx, tx, tx.Incident.Create().SetOfficialID(f.OfficialID).SetUnitID(units[i]).
					SetInspection(insp).SetYear(year).SetCategory(f.Category).SetOccurredOn(f.OccurredOn).
					SetSource(incident.SourceINSPECTION).SetSummary(strings.TrimSpace(f.Summary)), s.now()); err != nil {
					return nil, "", err
				}
			}
			return insp, insp.ID, nil
		})
}

// inspectionWrites are what recording an inspection writes: the inspection, its incidents, and
// the awards and assessments they flag.
var inspectionWrites = []string{ent.TypeInspection, ent.TypeIncident, ent.TypeCommendation, ent.TypeSelfAssessment}

// checkInspection checks the whole record before anything is written; it returns the inspectors'
// names (trimmed, blanks dropped) and each incident's unit (the official's current unit).
func (s *Service) checkInspection(ctx context.Context, in InspectionRecord) ([]string, []string, error) {
	tx := s.db(ctx)
	if ok, err := tx.Unit.Query().Where(unit.ID(in.UnitID)).Exist(ctx); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, apperr.New(apperr.NotFound, "Không tìm thấy đơn vị.", "No such unit.").OnField("unitId")
	}
	if err := s.inScope(ctx, in.UnitID); err != nil {
		return nil, nil, err
	}
	if in.InspectedOn.IsZero() || s.future(in.InspectedOn) {
		return nil, nil, apperr.BadInput("Ngày kiểm tra không được ở tương lai.", "The inspection date cannot be in the future.", "inspectedOn")
	}
	var names []string
	for _, n := range in.Inspectors {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if len(n) > maxName {
			return nil, nil, apperr.BadInput("Tên thành viên đoàn kiểm tra quá dài.", "An inspector's name is too long.", "inspectors")
		}
		names = append(names, n)
	}
	switch {
	case len(names) == 0:
		return nil, nil, apperr.BadInput("Cần ghi tên ít nhất một thành viên đoàn kiểm tra.", "At least one inspector's name is required.", "inspectors")
	case len(names) > maxInspectors:
		return nil, nil, apperr.Newf(apperr.BadUserInput, "Đoàn kiểm tra có tối đa %d thành viên.",
			"At most %d inspectors.", maxInspectors).OnField("inspectors")
	}
	if strings.TrimSpace(in.Findings) == "" {
		return nil, nil, apperr.BadInput("Cần ghi kết quả kiểm tra.", "The findings are required.", "findings")
	}
	if in.CampaignID != "" {
		if ok, err := tx.Campaign.Query().Where(campaign.ID(in.CampaignID)).Exist(ctx); err != nil {
			return nil, nil, err
		} else if !ok {
			return nil, nil, apperr.New(apperr.NotFound, "Không tìm thấy cuộc vận động.", "No such campaign.").OnField("campaignId")
		}
	}
	if len(in.Incidents) > maxIncidents {
		return nil, nil, apperr.Newf(apperr.BadUserInput, "Một lần kiểm tra ghi tối đa %d vi phạm.",
			"At most %d incidents per inspection.", maxIncidents).OnField("incidents")
	}
	units := make([]string, len(in.Incidents))
	inspected := authz.Scope{Kind: authz.ScopeUnit, ID: in.UnitID}
	for i, f := range in.Incidents {
		at := func(field string) []string { return []string{"incidents", strconv.Itoa(i), field} }
		off, err := tx.Official.Query().Where(official.ID(f.OfficialID), authz.UnitsOf(inspected, official.UnitColumn)).
			WithUnit(func(q *ent.UnitQuery) { q.Select(unit.FieldID) }).Only(authz.System(ctx, authz.SysNamedOfficial))
		if ent.IsNotFound(err) {
			return nil, nil, apperr.BadInput("Cán bộ không thuộc đơn vị được kiểm tra.", "The official is not in the unit inspected (or its sub-units).",
				at("officialId")...)
		} else if err != nil {
			return nil, nil, err
		}
		units[i] = off.Edges.Unit.ID
		switch {
		case f.OccurredOn.IsZero() || s.future(f.OccurredOn):
			return nil, nil, apperr.BadInput("Ngày xảy ra vi phạm không được ở tương lai.", "The date of the conduct cannot be in the future.", at("occurredOn")...)
		case f.OccurredOn.In(workdays.Vietnam).Year() < FirstYear:
			return nil, nil, apperr.Newf(apperr.BadUserInput, "Vi phạm phải xảy ra từ năm %d.", "The conduct must date from %d on.",
				FirstYear).OnField(at("occurredOn")...)
		case day(f.OccurredOn).After(day(in.InspectedOn)):
			return nil, nil, apperr.BadInput("Vi phạm không thể xảy ra sau ngày kiểm tra.", "The conduct cannot postdate the inspection.", at("occurredOn")...)
		case strings.TrimSpace(f.Summary) == "":
			return nil, nil, apperr.BadInput("Cần mô tả vi phạm đã xác định.", "What was established is required.", at("summary")...)
		}
	}
	return names, units, nil
}
