package orgchart

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/ent/unitplacement"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Place is a stretch of a unit's place in the organisation (GraphQL UnitPlace): from a day (nil:
// since it began) to the first day of the next stretch (nil: where it sits now).
type Place struct {
	From, To  *time.Time
	Parent    *ent.Unit
	District  *ent.District
	Province  *ent.Province
	MovedBy   *ent.Account // whose move began the stretch, when the viewer may see that account
	MovedWith *ent.Unit    // the unit above whose move carried this one here, if not itself
}

// History is where the unit sat, oldest first, ending with where it sits now, for staff whose
// scope holds it (authz.UnitHistoryReader). The units, districts, provinces and accounts it names
// are read in one statement each, through the viewer's filters (an account the viewer may not see
// stays nil).
func (s *Service) History(ctx context.Context, u *ent.Unit) ([]*Place, error) {
	c := s.db(ctx)
	if err := authz.UnitHistoryReader(ctx, c, u.ID); err != nil {
		return nil, err
	}
	past, err := c.UnitPlacement.Query().Where(unitplacement.UnitID(u.ID)).
		Order(ent.Asc(unitplacement.FieldValidTo), ent.Asc(unitplacement.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	var units, districts, provinces, accounts []string
	add := func(ids *[]string, id *string) {
		if id != nil {
			*ids = append(*ids, *id)
		}
	}
	for _, p := range past {
		add(&units, p.ParentID)
		add(&units, p.MovedWith)
		add(&districts, p.DistrictID)
		add(&provinces, &p.ProvinceID)
		add(&accounts, p.MovedBy)
	}
	add(&units, u.ParentID)
	add(&districts, u.DistrictID)
	add(&provinces, &u.ProvinceID)
	us, err := c.Unit.Query().Where(unit.IDIn(units...)).All(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := c.District.Query().Where(district.IDIn(districts...)).All(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := c.Province.Query().Where(province.IDIn(provinces...)).All(ctx)
	if err != nil {
		return nil, err
	}
	var as []*ent.Account
	if len(accounts) > 0 {
		if as, err = c.Account.Query().Where(account.IDIn(accounts...)).All(ctx); err != nil {
			return nil, err
		}
	}
	unitOf, districtOf, provinceOf, accountOf := byID(us, func(x *ent.Unit) string { return x.ID }),
		byID(ds, func(x *ent.District) string { return x.ID }), byID(ps, func(x *ent.Province) string { return x.ID }),
		byID(as, func(x *ent.Account) string { return x.ID })
	out := make([]*Place, 0, len(past)+1)
	var from *time.Time
	var by, with *string
	for _, p := range past {
		to := p.ValidTo
		if p.ValidFrom != nil {
			from = p.ValidFrom
		}
		out = append(out, &Place{From: from, To: &to, Parent: get(unitOf, p.ParentID), District: get(districtOf, p.DistrictID),
			Province: provinceOf[p.ProvinceID], MovedBy: get(accountOf, by), MovedWith: get(unitOf, with)})
		from, by, with = &to, p.MovedBy, p.MovedWith
	}
	if len(past) == 0 {
		from = u.OpenedOn
	}
	out = append(out, &Place{From: from, Parent: get(unitOf, u.ParentID), District: get(districtOf, u.DistrictID),
		Province: provinceOf[u.ProvinceID], MovedBy: get(accountOf, by), MovedWith: get(unitOf, with)})
	return out, nil
}

func byID[T any](xs []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(xs))
	for _, x := range xs {
		out[id(x)] = x
	}
	return out
}

func get[T any](m map[string]*T, id *string) *T {
	if id == nil {
		return nil
	}
	return m[*id]
}
