package casework

import (
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/ent/unit"
)

func officialID(id string) predicate.Official { return official.ID(id) }

func unitID(id string) predicate.Unit { return unit.ID(id) }

func evidenceID(id string) predicate.Evidence { return evidence.ID(id) }

func evidenceOfCase(caseID string) predicate.Evidence {
	return evidence.HasCaseWith(citizencase.ID(caseID))
}
