package seed

import (
	"context"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// DemoPassword is the password of every demo account (README lists the logins).
const DemoPassword = "liemchinh-demo"

// Demo logins, one per role.
const (
	DemoAdmin              = "admin"
	DemoProvinceSupervisor = "province.supervisor"
	DemoDistrictSupervisor = "district.supervisor"
	DemoUnitManager        = "unit.manager"
	DemoInspector          = "inspector"
	DemoOfficial           = "official"
)

// demoHash is the argon2id hash of DemoPassword in the PHC format alexedwards/argon2id reads,
// with the product's parameters (auth.Params) and a salt from the stream so the demo stays
// deterministic.
func demoHash(s *stream) string {
	p := auth.Params
	salt := make([]byte, p.SaltLength)
	_, _ = s.Read(salt)
	key := argon2.IDKey([]byte(DemoPassword), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// accounts creates one account per role, scoped inside Bến Tre, and gives the inspector the open
// cases of the province to handle.
func (d *demo) accounts(ctx context.Context) error {
	s := newStream("demo/accounts")
	created := at(campaignIssued, 8, 0)
	dist := d.districts[0]
	manager := leaderOf(dist.committee)
	var official *officialRec
	for _, c := range d.cases {
		if c.off != nil && c.off.to == nil && c.off != manager && c.off.unit.flavour == flCommune {
			official = c.off // an official with a case about them: the demo shows it without the reporter
			break
		}
	}
	if manager == nil || official == nil {
		return fmt.Errorf("demo accounts: no unit manager or official to link")
	}
	type spec struct {
		login   string
		role    account.Role
		kind    account.ScopeKind
		scopeID string
		off     *officialRec
	}
	specs := []spec{
		{DemoAdmin, account.RoleADMIN, account.ScopeKindNATION, "", nil},
		{DemoProvinceSupervisor, account.RoleSUPERVISOR, account.ScopeKindPROVINCE, d.provinceID, nil},
		{DemoDistrictSupervisor, account.RoleSUPERVISOR, account.ScopeKindDISTRICT, dist.id, nil},
		{DemoUnitManager, account.RoleUNIT_MANAGER, account.ScopeKindUNIT, dist.committee.id, manager},
		{DemoInspector, account.RoleINSPECTOR, account.ScopeKindPROVINCE, d.provinceID, nil},
		{DemoOfficial, account.RoleOFFICIAL, account.ScopeKindUNIT, official.unit.id, official},
	}
	ids := map[string]string{}
	b := make([]*ent.AccountCreate, 0, len(specs))
	for _, sp := range specs {
		id := s.id(pid.Account, created)
		ids[sp.login] = id
		c := d.c.Account.Create().SetID(id).SetCreatedAt(created).SetUpdatedAt(created).
			SetLogin(sp.login).SetPasswordHash(demoHash(s)).SetRole(sp.role).SetScopeKind(sp.kind).
			SetPasswordChangedAt(created)
		switch sp.kind {
		case account.ScopeKindPROVINCE:
			c.SetScopeProvinceID(sp.scopeID)
		case account.ScopeKindDISTRICT:
			c.SetScopeDistrictID(sp.scopeID)
		case account.ScopeKindUNIT:
			c.SetScopeUnitID(sp.scopeID)
		}
		if sp.off != nil {
			c.SetOfficialID(sp.off.id)
		}
		b = append(b, c)
	}
	if err := d.c.Account.CreateBulk(b...).Exec(ctx); err != nil {
		return err
	}
	d.st.Accounts += len(b)
	var handled []string
	for _, c := range d.cases {
		switch c.state {
		case enum.CaseAccepted, enum.CaseVerifying, enum.CaseConcluded:
			handled = append(handled, c.id)
		}
	}
	return d.c.CitizenCase.Update().Where(citizencase.IDIn(handled...)).
		SetHandlerID(ids[DemoInspector]).SetUpdatedAt(d.now).Exec(ctx)
}

// leaderOf returns the first leader in office now of a unit, or its first official in office.
func leaderOf(u *unitRec) *officialRec {
	var first *officialRec
	for _, o := range u.officials {
		if o.to != nil {
			continue
		}
		if o.leader {
			return o
		}
		if first == nil {
			first = o
		}
	}
	return first
}
