package authz

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/accountprovisioning"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/activationsheet"
	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/emulationregistration"
	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/inspection"
	"github.com/liemchinh/liemchinh/ent/intercept"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/ent/notificationsetting"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/officialassignment"
	"github.com/liemchinh/liemchinh/ent/officialnamekey"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/recordcount"
	"github.com/liemchinh/liemchinh/ent/review"
	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/selfassessmentitem"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/ent/unitplacement"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/edgepage"
)

// ErrUnauthenticated is returned when an anonymous viewer reads anything beyond the public surface.
var ErrUnauthenticated = apperr.New(apperr.Unauthenticated,
	"Vui lòng đăng nhập để xem nội dung này.", "Please sign in to see this.")

// ErrForbidden is returned when a signed-in viewer may not do what they asked.
var ErrForbidden = apperr.New(apperr.Forbidden,
	"Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")

// PublicTypes are the GraphQL types everyone may read, citizens included: reference data. Every
// other type is filtered by the viewer's scope below; a where-filter from any type across an edge
// into a scoped type would bypass that filter (it is a plain SQL subquery), so the schema offers
// none (a test in package graph holds the schema to this list).
var PublicTypes = []string{"Province", "District", "Unit", "Campaign", "Phase", "Criterion"}

// Install puts the read filters and the write guard on a client: from then on every query through
// it (root lists, eager-loaded edges, counts, node lookups) sees only what the viewer may.
//
// Public reference data (provinces, districts, units, campaigns with their phases and criteria)
// is readable by everyone, citizens included: a citizen picks the unit a case is about. Everything
// about people and their conduct is filtered by the viewer's scope.
func Install(c *ent.Client) {
	c.Official.Intercept(intercept.TraverseOfficial(func(ctx context.Context, q *ent.OfficialQuery) error {
		return filter(ctx, ent.TypeOfficial, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.EQ(s.C(official.FieldID), v.OfficialID)
			}
			return unitsIn(v, s, s.C(official.UnitColumn))
		})
	}))
	// The word starts of officials' names (search) carry the official's unit: the same rule as
	// officials, so a search's count sees exactly the officials the viewer may.
	c.OfficialNameKey.Intercept(intercept.TraverseOfficialNameKey(func(ctx context.Context, q *ent.OfficialNameKeyQuery) error {
		return filter(ctx, ent.TypeOfficialNameKey, q.Where, nameKeysIn)
	}))
	c.Acknowledgement.Intercept(intercept.TraverseAcknowledgement(func(ctx context.Context, q *ent.AcknowledgementQuery) error {
		return filter(ctx, ent.TypeAcknowledgement, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return recordsIn(v, s.C(acknowledgement.OfficialColumn), s.C(acknowledgement.FieldScopeUnitID), s.C(acknowledgement.FieldScopeProvinceID))
		})
	}))
	c.Pledge.Intercept(intercept.TraversePledge(func(ctx context.Context, q *ent.PledgeQuery) error {
		return filter(ctx, ent.TypePledge, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return recordsIn(v, s.C(pledge.OfficialColumn), s.C(pledge.FieldScopeUnitID), s.C(pledge.FieldScopeProvinceID))
		})
	}))
	c.SelfAssessment.Intercept(intercept.TraverseSelfAssessment(func(ctx context.Context, q *ent.SelfAssessmentQuery) error {
		return filter(ctx, ent.TypeSelfAssessment, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return recordsIn(v, s.C(selfassessment.OfficialColumn), s.C(selfassessment.FieldScopeUnitID), s.C(selfassessment.FieldScopeProvinceID))
		})
	}))
	c.SelfAssessmentItem.Intercept(intercept.TraverseSelfAssessmentItem(func(ctx context.Context, q *ent.SelfAssessmentItemQuery) error {
		return filter(ctx, ent.TypeSelfAssessmentItem, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return subquery(s.C(selfassessmentitem.AssessmentColumn), selfassessment.Table,
				recordsIn(v, qualified(selfassessment.Table, selfassessment.OfficialColumn),
					qualified(selfassessment.Table, selfassessment.FieldScopeUnitID), qualified(selfassessment.Table, selfassessment.FieldScopeProvinceID)))
		})
	}))
	c.EmulationRegistration.Intercept(intercept.TraverseEmulationRegistration(func(ctx context.Context, q *ent.EmulationRegistrationQuery) error {
		return filter(ctx, ent.TypeEmulationRegistration, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return unitsIn(v, s, s.C(emulationregistration.UnitColumn))
		})
	}))
	c.CitizenCase.Intercept(intercept.TraverseCitizenCase(func(ctx context.Context, q *ent.CitizenCaseQuery) error {
		return filter(ctx, ent.TypeCitizenCase, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return casesIn(v, caseCols{s.C(citizencase.UnitColumn), s.C(citizencase.FieldScopeProvinceID),
				s.C(citizencase.OfficialColumn), s.C(citizencase.FieldSubjectVisibleAt)})
		})
	}))
	c.CaseEvent.Intercept(intercept.TraverseCaseEvent(func(ctx context.Context, q *ent.CaseEventQuery) error {
		return filter(ctx, ent.TypeCaseEvent, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			column := s.C(caseevent.CaseColumn)
			if v.OfficialID == "" {
				return caseSubquery(column, heldIn(v, caseColumns()))
			}
			// The person concerned sees the public transitions of the cases about them, no
			// messages, evidence or ratings (their notes are blanked by maskConcerned).
			concerned := sql.And(caseSubquery(column, concernedIn(v, caseColumns())), eq(s.C(caseevent.FieldPublic), true),
				notIn(s.C(caseevent.FieldKind), concernedHiddenKinds...))
			return sql.Or(caseSubquery(column, heldIn(v, caseColumns())), concerned)
		})
	}))
	c.CaseMessage.Intercept(intercept.TraverseCaseMessage(func(ctx context.Context, q *ent.CaseMessageQuery) error {
		return filter(ctx, ent.TypeCaseMessage, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			// Messages talk with the reporter: only for staff holding the case, never the person concerned.
			return caseSubquery(s.C(casemessage.CaseColumn), heldIn(v, caseColumns()))
		})
	}))
	c.Evidence.Intercept(intercept.TraverseEvidence(func(ctx context.Context, q *ent.EvidenceQuery) error {
		return filter(ctx, ent.TypeEvidence, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			// Evidence can identify the reporter: only for staff holding the case.
			return caseSubquery(s.C(evidence.CaseColumn), heldIn(v, caseColumns()))
		})
	}))
	c.Incident.Intercept(intercept.TraverseIncident(func(ctx context.Context, q *ent.IncidentQuery) error {
		return filter(ctx, ent.TypeIncident, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.EQ(s.C(incident.OfficialColumn), v.OfficialID)
			}
			return unitsIn(v, s, s.C(incident.UnitColumn))
		})
	}))
	c.Commendation.Intercept(intercept.TraverseCommendation(func(ctx context.Context, q *ent.CommendationQuery) error {
		return filter(ctx, ent.TypeCommendation, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.EQ(s.C(commendation.OfficialColumn), v.OfficialID)
			}
			return scopeIn(v, s.C(commendation.FieldScopeUnitID), s.C(commendation.FieldScopeProvinceID))
		})
	}))
	c.Inspection.Intercept(intercept.TraverseInspection(func(ctx context.Context, q *ent.InspectionQuery) error {
		return filter(ctx, ent.TypeInspection, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.False()
			}
			return unitsIn(v, s, s.C(inspection.UnitColumn))
		})
	}))
	c.Review.Intercept(intercept.TraverseReview(func(ctx context.Context, q *ent.ReviewQuery) error {
		return filter(ctx, ent.TypeReview, q.Where, reviewsIn)
	}))
	c.Account.Intercept(intercept.TraverseAccount(func(ctx context.Context, q *ent.AccountQuery) error {
		return filter(ctx, ent.TypeAccount, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if v.Role == RoleAdmin {
				return nil
			}
			return sql.EQ(s.C(account.FieldID), v.AccountID)
		})
	}))
	c.AuditEvent.Intercept(intercept.TraverseAuditEvent(func(ctx context.Context, q *ent.AuditEventQuery) error {
		return filter(ctx, ent.TypeAuditEvent, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if v.Role != RoleAdmin {
				return sql.False()
			}
			if v.OfficialID == "" {
				return nil
			}
			// An administrator is the person concerned of the cases about their own official: the
			// log of their handling (and of reads of the reporter) is not theirs to read.
			return sql.P(func(b *sql.Builder) {
				b.WriteString("NOT (").WriteString(s.C(auditevent.FieldObjectType)).WriteString(" = ").Arg("Case").
					WriteString(" AND ").WriteString(s.C(auditevent.FieldObjectID)).WriteString(" IN (SELECT id FROM ").
					WriteString(citizencase.Table).WriteString(" WHERE ").WriteString(citizencase.OfficialColumn).
					WriteString(" = ").Arg(v.OfficialID).WriteString("))")
			})
		})
	}))
	c.RefreshToken.Intercept(intercept.TraverseRefreshToken(func(ctx context.Context, q *ent.RefreshTokenQuery) error {
		return filter(ctx, ent.TypeRefreshToken, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	// Activation codes are checked by their hash (SysActivation) and read by nobody.
	c.ActivationCode.Intercept(intercept.TraverseActivationCode(func(ctx context.Context, q *ent.ActivationCodeQuery) error {
		return filter(ctx, ent.TypeActivationCode, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	// A unit's activation sheet: its managers, supervisors and administrators whose scope holds the unit.
	c.ActivationSheet.Intercept(intercept.TraverseActivationSheet(func(ctx context.Context, q *ent.ActivationSheetQuery) error {
		return filter(ctx, ent.TypeActivationSheet, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !MayHandleAccounts(v) {
				return sql.False()
			}
			return unitsIn(v, s, s.C(activationsheet.FieldUnitID))
		})
	}))
	c.IdempotencyKey.Intercept(intercept.TraverseIdempotencyKey(func(ctx context.Context, q *ent.IdempotencyKeyQuery) error {
		return filter(ctx, ent.TypeIdempotencyKey, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	// Partner apps' api_keys are checked by their hash (SysPartnerKey) and read by nobody.
	c.PartnerKey.Intercept(intercept.TraversePartnerKey(func(ctx context.Context, q *ent.PartnerKeyQuery) error {
		return filter(ctx, ent.TypePartnerKey, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	c.Upload.Intercept(intercept.TraverseUpload(func(ctx context.Context, q *ent.UploadQuery) error {
		return filter(ctx, ent.TypeUpload, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	// An official's assignments: the official's own, or, for staff, those of officials in scope
	// and those in units in scope (a unit's past officials).
	c.OfficialAssignment.Intercept(intercept.TraverseOfficialAssignment(func(ctx context.Context, q *ent.OfficialAssignmentQuery) error {
		return filter(ctx, ent.TypeOfficialAssignment, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.EQ(s.C(officialassignment.OfficialColumn), v.OfficialID)
			}
			in := unitsIn(v, s, s.C(officialassignment.UnitColumn))
			if in == nil {
				return nil
			}
			return sql.Or(in, subquery(s.C(officialassignment.OfficialColumn), official.Table,
				unitsIn(v, nil, qualified(official.Table, official.UnitColumn))))
		})
	}))
	// A unit's past places (its history): staff whose scope holds the unit now (UnitHistoryReader).
	c.UnitPlacement.Intercept(intercept.TraverseUnitPlacement(func(ctx context.Context, q *ent.UnitPlacementQuery) error {
		return filter(ctx, ent.TypeUnitPlacement, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if !v.Staff() {
				return sql.False()
			}
			return unitsIn(v, s, s.C(unitplacement.UnitColumn))
		})
	}))
	// A roster import is read by whoever asked for it, and by administrators.
	c.RosterImport.Intercept(intercept.TraverseRosterImport(func(ctx context.Context, q *ent.RosterImportQuery) error {
		return filter(ctx, ent.TypeRosterImport, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			if v.Role == RoleAdmin {
				return nil
			}
			return sql.EQ(s.C(rosterimport.FieldRequestedBy), v.AccountID)
		})
	}))
	// A provisioning run is read by whoever may provision its scope: supervisors and
	// administrators whose scope holds it (MayProvision).
	c.AccountProvisioning.Intercept(intercept.TraverseAccountProvisioning(func(ctx context.Context, q *ent.AccountProvisioningQuery) error {
		return filter(ctx, ent.TypeAccountProvisioning, q.Where, provisioningsIn)
	}))
	// Devices are read by nobody: their tokens go to the push service only (SysNotify).
	c.Device.Intercept(intercept.TraverseDevice(func(ctx context.Context, q *ent.DeviceQuery) error {
		return filter(ctx, ent.TypeDevice, q.Where, func(Viewer, *sql.Selector) *sql.Predicate { return sql.False() })
	}))
	// An inbox is its account's own, whatever the role: an administrator reads no one else's.
	c.Notification.Intercept(intercept.TraverseNotification(func(ctx context.Context, q *ent.NotificationQuery) error {
		return filter(ctx, ent.TypeNotification, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return sql.EQ(s.C(notification.FieldAccountID), v.AccountID)
		})
	}))
	c.NotificationSetting.Intercept(intercept.TraverseNotificationSetting(func(ctx context.Context, q *ent.NotificationSettingQuery) error {
		return filter(ctx, ent.TypeNotificationSetting, q.Where, func(v Viewer, s *sql.Selector) *sql.Predicate {
			return sql.EQ(s.C(notificationsetting.FieldAccountID), v.AccountID)
		})
	}))
	c.CitizenCase.Intercept(maskConcerned(c))
	c.CaseEvent.Intercept(maskConcernedNotes(c))
	c.Use(guardWrites)
}

// filter adds the viewer's predicate to a query of typ: nothing when the context's purpose reads
// typ (System), an error for an anonymous viewer, and for others the predicate build returns (nil:
// no restriction).
func filter[P ~func(*sql.Selector), Q any](ctx context.Context, typ string, where func(...P) Q, build func(Viewer, *sql.Selector) *sql.Predicate) error {
	if SystemReads(ctx, typ) {
		return nil
	}
	v := FromContext(ctx)
	if v.SignedInCitizen() {
		// A citizen's token reads their own identified cases (OwnCases) and nothing else.
		return ErrForbidden
	}
	if v.Anonymous() {
		return ErrUnauthenticated
	}
	if v.MustChangePassword && typ != ent.TypeAccount {
		return ErrPasswordChangeRequired
	}
	where(func(s *sql.Selector) {
		if p := build(v, s); p != nil {
			s.Where(p)
		}
	})
	return nil
}

// nameKeysIn is the officials' rule on the word starts of their names, which carry the official
// and their unit.
func nameKeysIn(v Viewer, s *sql.Selector) *sql.Predicate {
	if !v.Staff() {
		return sql.EQ(s.C(officialnamekey.FieldOfficialID), v.OfficialID)
	}
	return unitsIn(v, s, s.C(officialnamekey.FieldUnitID))
}

// NameKeysWhere is the same rule for a subquery on official_name_keys that a search builds outside
// ent (an ent query would be filtered by the interceptor): narrowing the keys to the viewer's scope
// before they meet the officials, whose own filter still applies.
func NameKeysWhere(ctx context.Context) (func(*sql.Selector), error) {
	var ps []func(*sql.Selector)
	err := filter(ctx, ent.TypeOfficialNameKey, func(p ...func(*sql.Selector)) int { ps = append(ps, p...); return len(ps) }, nameKeysIn)
	return func(s *sql.Selector) {
		for _, p := range ps {
			p(s)
		}
	}, err
}

// unitsIn is "column holds a unit in the viewer's scope"; nil for the nation. s, when not nil, is
// the query column belongs to: when its rows are those of a list of units (the eager loader of a
// unit's officials, or their count: edgepage.Listed), the scope's units are looked for among those
// alone. The answer is the same, and PostgreSQL reads the listed units by primary key instead of
// hashing every unit of the province: the count of 21 units' officials under a province
// supervisor went from 4.0 to 0.8 ms on the national seed.
func unitsIn(v Viewer, s *sql.Selector, column string) *sql.Predicate {
	var listed *sql.Predicate
	if s != nil {
		listed = edgepage.Listed(s, column, "id")
	}
	where := func(b *sql.Builder) {
		b.WriteString(" WHERE ")
		if listed != nil {
			b.Join(listed).WriteString(" AND ")
		}
	}
	if !v.Staff() {
		// An official's own unit.
		return sql.P(func(b *sql.Builder) {
			b.WriteString(column).WriteString(" IN (SELECT ").WriteString(official.UnitColumn).
				WriteString(" FROM ").WriteString(official.Table).WriteString(" WHERE id = ").Arg(v.OfficialID).WriteString(")")
		})
	}
	switch v.Scope.Kind {
	case ScopeNation:
		return nil
	case ScopeProvince:
		// The province and the provinces merged into it, so history stays in scope. The provinces
		// are found first (a handful of rows), then their units through the units' province index:
		// "province = $1 OR province IN (...)" made PostgreSQL scan every unit of the nation.
		return sql.P(func(b *sql.Builder) {
			b.WriteString(column).WriteString(" IN (SELECT id FROM ").WriteString(unit.Table)
			where(b)
			b.WriteString(unit.ProvinceColumn).WriteString(" IN ")
			provincesOf(b, v.Scope.ID)
			b.WriteString(")")
		})
	case ScopeDistrict:
		return sql.P(func(b *sql.Builder) {
			b.WriteString(column).WriteString(" IN (SELECT id FROM ").WriteString(unit.Table)
			where(b)
			b.WriteString(unit.DistrictColumn).WriteString(" = ").Arg(v.Scope.ID).WriteString(")")
		})
	case ScopeUnit:
		// The unit and all its descendants. PostgreSQL cannot estimate a recursive subtree (it
		// guessed 2,711 units for 31 on the national seed) and so paged a unit's pledges by
		// walking the primary key of all 12 million (1.6 s); as an array computed once, the
		// subtree's units are looked up in the column's index (12 ms).
		return sql.P(func(b *sql.Builder) {
			open, end := " IN (", ")"
			if b.Dialect() == dialect.Postgres {
				open, end = " = ANY(ARRAY(", "))"
			}
			b.WriteString(column).WriteString(open).WriteString("WITH RECURSIVE scope_units(id) AS (SELECT id FROM ").
				WriteString(unit.Table).WriteString(" WHERE id = ").Arg(v.Scope.ID).
				WriteString(" UNION ALL SELECT u.id FROM ").WriteString(unit.Table).WriteString(" u JOIN scope_units su ON u.").
				WriteString(unit.ParentColumn).WriteString(" = su.id) SELECT id FROM scope_units").WriteString(end)
		})
	}
	return sql.False()
}

// reviewsIn is "the review's scope lies inside the viewer's": staff only (a review's figures are
// whole, never hidden for small cells). A province holds the reviews of itself, of the provinces
// merged into it and of their districts and units (province_id); a district its own reviews and
// its units'; a unit the reviews of its subtree.
func reviewsIn(v Viewer, s *sql.Selector) *sql.Predicate {
	if !v.Staff() {
		return sql.False()
	}
	switch v.Scope.Kind {
	case ScopeNation:
		return nil
	case ScopeProvince:
		return inProvince(s.C(review.FieldProvinceID), v.Scope.ID)
	case ScopeDistrict:
		return sql.Or(eq(s.C(review.FieldDistrictID), v.Scope.ID), unitsIn(v, s, s.C(review.FieldUnitID)))
	case ScopeUnit:
		return unitsIn(v, s, s.C(review.FieldUnitID))
	}
	return sql.False()
}

// recordsIn is the rule of a record about an official (acknowledgement, pledge, self-assessment):
// an official sees their own; staff those made in their scope (scopeIn).
func recordsIn(v Viewer, officialColumn, unitColumn, provinceColumn string) *sql.Predicate {
	if !v.Staff() {
		return eq(officialColumn, v.OfficialID)
	}
	return scopeIn(v, unitColumn, provinceColumn)
}

// scopeIn is "the record was made in the viewer's scope", read from the record's own scope
// columns (ent/schema/scope.go): a province's records are one range of the province column's
// index (the province and the provinces merged into it), a district's or unit's those of its
// units. Staff only; nil for the nation.
func scopeIn(v Viewer, unitColumn, provinceColumn string) *sql.Predicate {
	if v.Scope.Kind != ScopeProvince {
		return unitsIn(v, nil, unitColumn)
	}
	return inProvince(provinceColumn, v.Scope.ID)
}

// RecordCountsWhere is the rule of the counts internal/recordscope keeps (record_counts) for a
// list of typ's records (acknowledgements, pledges, self-assessments) without a filter of its
// own: the counts of the units in the viewer's scope, by scopeIn over the counts' own scope
// columns, exactly the staff rule of the records (recordsIn). ok is false when the total is to be
// counted from the records instead: an official's own records, and a System purpose.
func RecordCountsWhere(ctx context.Context, typ string) (where func(*sql.Selector), ok bool, err error) {
	if SystemReads(ctx, typ) {
		return nil, false, nil
	}
	v := FromContext(ctx)
	if v.Anonymous() {
		return nil, false, ErrUnauthenticated
	}
	if !v.Staff() {
		return nil, false, nil
	}
	return func(s *sql.Selector) {
		if p := scopeIn(v, s.C(recordcount.FieldScopeUnitID), s.C(recordcount.FieldScopeProvinceID)); p != nil {
			s.Where(p)
		}
	}, true, nil
}

// inProvince is "column holds the province id or one merged into it".
func inProvince(column, id string) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.WriteString(column).WriteString(" IN ")
		provincesOf(b, id)
	})
}

// provincesOf writes the subquery of a province and the provinces merged into it, so history
// stays in its scope.
func provincesOf(b *sql.Builder, id string) {
	b.WriteString("(SELECT id FROM ").WriteString(province.Table).WriteString(" WHERE id = ").Arg(id).
		WriteString(" OR ").WriteString(province.SuccessorColumn).WriteString(" = ").Arg(id).WriteString(")")
}

// caseCols are the columns of a case the case predicates read, as SQL: its unit and that unit's
// province (kept with it by internal/recordscope), the official it is about, and from when they see it.
type caseCols struct{ unit, province, official, visible string }

// caseColumns are the case columns qualified for a subquery on the cases table.
func caseColumns() caseCols {
	return caseCols{qualified(citizencase.Table, citizencase.UnitColumn), qualified(citizencase.Table, citizencase.FieldScopeProvinceID),
		qualified(citizencase.Table, citizencase.OfficialColumn), qualified(citizencase.Table, citizencase.FieldSubjectVisibleAt)}
}

// casesIn is the case predicate (DESIGN.md §5, the person concerned and recusal): the cases the
// viewer holds as staff, and the cases about the viewer's linked official once they are visible to
// them (the start of verification; praise from acceptance). nil: no restriction.
func casesIn(v Viewer, cols caseCols) *sql.Predicate {
	held := heldIn(v, cols)
	if v.OfficialID == "" {
		return held
	}
	return sql.Or(held, concernedIn(v, cols))
}

// heldIn is "the viewer holds the case as staff": in scope and not about the viewer's own official
// (recusal, whatever the role). nil: no restriction.
func heldIn(v Viewer, c caseCols) *sql.Predicate {
	if !v.Staff() {
		return sql.False()
	}
	// A province's cases are one range of the province column's index (scopeIn), a district's or
	// unit's those of its units.
	p := scopeIn(v, c.unit, c.province)
	if v.OfficialID == "" {
		return p
	}
	notAbout := sql.P(func(b *sql.Builder) {
		b.WriteString("(").WriteString(c.official).WriteString(" IS NULL OR ").WriteString(c.official).
			WriteString(" <> ").Arg(v.OfficialID).WriteString(")")
	})
	if p == nil {
		return notAbout
	}
	return sql.And(p, notAbout)
}

// concernedIn is "the case is about the viewer's official and already visible to them".
func concernedIn(v Viewer, c caseCols) *sql.Predicate {
	if v.OfficialID == "" {
		return sql.False()
	}
	return sql.And(eq(c.official, v.OfficialID), sql.P(func(b *sql.Builder) {
		b.WriteString(c.visible).WriteString(" IS NOT NULL")
	}))
}

// concernedHiddenKinds are the events the person concerned never sees: they would tell of the
// reporter's messages, evidence, rating, duplicates (DESIGN.md §5) or the handler's assignment.
var concernedHiddenKinds = []string{string(caseevent.KindMESSAGE), string(caseevent.KindEVIDENCE_ADDED),
	string(caseevent.KindRATED), string(caseevent.KindASSIGNED), string(caseevent.KindMARKED_DUPLICATE)}

// caseSubquery is "column holds a case matching p" (p on the cases table, qualified); nil when p is.
func caseSubquery(column string, p *sql.Predicate) *sql.Predicate {
	return subquery(column, citizencase.Table, p)
}

// notIn is "column NOT IN (values)".
func notIn(column string, values ...string) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.WriteString(column).WriteString(" NOT IN (")
		for i, v := range values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.Arg(v)
		}
		b.WriteString(")")
	})
}

// eq is "column = value" for a column already written as SQL (quoted by a selector, or qualified).
func eq(column string, value any) *sql.Predicate {
	return sql.P(func(b *sql.Builder) { b.WriteString(column).WriteString(" = ").Arg(value) })
}

// anyOf is the disjunction of predicates where nil means "no restriction" (so any nil wins).
func anyOf(ps ...*sql.Predicate) *sql.Predicate {
	for _, p := range ps {
		if p == nil {
			return nil
		}
	}
	return sql.Or(ps...)
}

// qualified names a column of an inner table in raw SQL. The names are ent's lower-case
// identifiers, which need no quoting on any dialect; ent's dialect-less sql.Table would quote
// them MySQL-style, which PostgreSQL rejects.
func qualified(table, column string) string { return table + "." + column }

// subquery is "column IN (SELECT id FROM table WHERE p)"; nil when p is nil (no restriction).
func subquery(column, table string, p *sql.Predicate) *sql.Predicate {
	if p == nil {
		return nil
	}
	return sql.P(func(b *sql.Builder) {
		b.WriteString(column).WriteString(" IN (SELECT ").WriteString(table).WriteString(".id FROM ").
			WriteString(table).WriteString(" WHERE ")
		b.Join(p)
		b.WriteString(")")
	})
}

// UnitInScope reports whether the unit is in the viewer's scope (for an official: their own unit).
// Units themselves are public (read without a purpose), so mutations about a unit ask this
// rather than rely on the read filter.
func UnitInScope(ctx context.Context, c *ent.Client, unitID string) (bool, error) {
	v := FromContext(ctx)
	if v.Anonymous() {
		return false, nil
	}
	return c.Unit.Query().Where(unit.ID(unitID), func(s *sql.Selector) {
		if p := unitsIn(v, s, s.C(unit.FieldID)); p != nil {
			s.Where(p)
		}
	}).Exist(ctx)
}

// OwnCases returns the context and predicate a signed-in citizen's own cases are read with: the
// identified cases linked to their identity (never an anonymous one), through SysCitizenCases
// since the case filter refuses citizens everything. Anyone else is refused: FORBIDDEN for an
// account, UNAUTHENTICATED without a token.
func OwnCases(ctx context.Context) (context.Context, func(*sql.Selector), error) {
	v := FromContext(ctx)
	if !v.SignedInCitizen() {
		if v.Anonymous() {
			return nil, nil, ErrUnauthenticated
		}
		return nil, nil, ErrForbidden
	}
	return System(ctx, SysCitizenCases), func(s *sql.Selector) {
		s.Where(sql.And(sql.EQ(s.C(citizencase.FieldReporterLink), v.Citizen), sql.EQ(s.C(citizencase.FieldAnonymous), false)))
	}, nil
}

// provisioningsIn is the provisioning runs whose scope the viewer's scope holds, for the roles that
// may provision (MayProvision): a nation's viewer reads all; a province's, the runs of its province
// (and of the provinces merged into it); a district's, the district's runs and those of its units;
// a unit's, the runs of the unit and its sub-units.
func provisioningsIn(v Viewer, s *sql.Selector) *sql.Predicate {
	if (v.Role != RoleSupervisor && v.Role != RoleAdmin) || v.MustChangePassword {
		return sql.False()
	}
	switch v.Scope.Kind {
	case ScopeNation:
		return nil
	case ScopeProvince:
		return sql.P(func(b *sql.Builder) {
			b.WriteString(s.C(accountprovisioning.FieldProvinceID)).WriteString(" IN ")
			provincesOf(b, v.Scope.ID)
		})
	case ScopeDistrict:
		return sql.EQ(s.C(accountprovisioning.FieldDistrictID), v.Scope.ID)
	case ScopeUnit:
		return sql.And(sql.EQ(s.C(accountprovisioning.FieldScopeKind), accountprovisioning.ScopeKindUNIT),
			unitsIn(v, s, s.C(accountprovisioning.FieldUnitID)))
	}
	return sql.False()
}
