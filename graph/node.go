package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/accountprovisioning"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/emulationregistration"
	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/inspection"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/officialassignment"
	"github.com/liemchinh/liemchinh/ent/phase"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/review"
	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/selfassessmentitem"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// nodeTables maps the GraphQL types that implement Node to their tables. Types kept out of the API
// (accounts, the audit log) are absent, so node(id) never finds them.
var nodeTables = map[string]string{
	"Acknowledgement": acknowledgement.Table, "Campaign": campaign.Table, "CaseEvent": caseevent.Table,
	"CaseMessage": casemessage.Table, "Case": citizencase.Table, "Commendation": commendation.Table,
	"Criterion": criterion.Table, "District": district.Table,
	"EmulationRegistration": emulationregistration.Table, "Evidence": evidence.Table,
	"Incident": incident.Table, "Inspection": inspection.Table, "Official": official.Table,
	"Phase": phase.Table, "Pledge": pledge.Table, "Province": province.Table,
	"Review": review.Table, "SelfAssessment": selfassessment.Table, "SelfAssessmentItem": selfassessmentitem.Table,
	"Unit": unit.Table, "OfficialAssignment": officialassignment.Table, "RosterImport": rosterimport.Table,
	"AccountProvisioning": accountprovisioning.Table,
}

// nodeType tells ent which table an opaque id lives in, from its prefix alone.
var nodeType = ent.WithNodeType(func(_ context.Context, id string) (string, error) {
	if t, ok := pid.TypeOf(id); ok {
		if table, ok := nodeTables[t]; ok {
			return table, nil
		}
	}
	return "", entgql.ErrNodeNotFound(id)
})
