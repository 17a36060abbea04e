package auth

import (
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
)

func entUnitID(id string) predicate.Unit         { return unit.ID(id) }
func entDistrictID(id string) predicate.District { return district.ID(id) }
func entProvinceID(id string) predicate.Province { return province.ID(id) }
