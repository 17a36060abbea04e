package auth

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/store"
)

// provisionBatch is the rows of one multi-row INSERT: 1,000 accounts of 12 columns stay under
// both databases' limits on bound parameters (PostgreSQL 65,535, SQLite 32,766).
const provisionBatch = 1000

// maxSkipped is the officials left without an account that a result lists.
const maxSkipped = 100

// sheetRow is one line of an activation sheet.
type sheetRow struct {
	EmployeeCode string `json:"e"`
	FullName     string `json:"n"`
	Position     string `json:"p,omitempty"`
	Code         string `json:"c"`
}

// sheetContent is what a sheet seals.
type sheetContent struct {
	Unit      string     `json:"u"`
	ExpiresAt time.Time  `json:"x"`
	Rows      []sheetRow `json:"r"`
}

type newAccount struct {
	off    *ent.Official
	id     string
	codeID string
	code   string
	send   bool // the code also goes to the official's phone or e-mail
}

// Provision creates an account (role OFFICIAL, scope their unit, login = employee code, no
// password) for every official in service in target without one, and one activation code each:
// set-based (multi-row inserts of provisionBatch rows) in one transaction, with one sealed sheet
// per unit. With send, each code also goes to the official's registered phone or e-mail: a
// delivery job per code, enqueued in the same transaction (deliver.go). Running it again adds
// only the officials still without an account.
func (s *Service) Provision(ctx context.Context, target authz.Scope, send bool) (*ProvisionResult, error) {
	if err := authz.MayProvision(ctx, s.db(ctx), target); err != nil {
		return nil, err
	}
	now := s.now()
	today := now.Truncate(24 * time.Hour)
	exp := now.Add(s.accounts.ActivationTTL).Truncate(time.Second)
	v := authz.FromContext(ctx)
	res := &ProvisionResult{ExpiresAt: &exp}
	var created []newAccount
	err := store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		offs, err := tx.Official.Query().Where(authz.UnitsOf(target, official.UnitColumn), official.Not(official.HasAccount()),
			official.Or(official.ActiveToIsNil(), official.ActiveToGTE(today))).
			Order(ent.Asc(official.FieldUnitID), ent.Asc(official.FieldFullName), ent.Asc(official.FieldID)).
			Select(official.FieldID, official.FieldEmployeeCode, official.FieldFullName, official.FieldPosition,
				official.FieldUnitID, official.FieldContactPhone, official.FieldContactEmail).All(ctx)
		if err != nil {
			return err
		}
		// Logins already taken (by accounts made by hand): those officials are left out.
		prov := authz.System(ctx, authz.SysProvision)
		taken := map[string]bool{}
		for i := 0; i < len(offs); i += provisionBatch {
			logins := make([]string, 0, provisionBatch)
			for _, o := range offs[i:min(i+provisionBatch, len(offs))] {
				logins = append(logins, NormalizeLogin(o.EmployeeCode))
			}
			got, err := tx.Account.Query().Where(account.LoginIn(logins...)).Select(account.FieldLogin).Strings(prov)
			if err != nil {
				return err
			}
			for _, l := range got {
				taken[l] = true
			}
		}
		created = make([]newAccount, 0, len(offs))
		for _, o := range offs {
			if taken[NormalizeLogin(o.EmployeeCode)] {
				if len(res.Skipped) < maxSkipped {
					res.Skipped = append(res.Skipped, &ProvisionSkip{EmployeeCode: o.EmployeeCode, Code: "LOGIN_TAKEN"})
				}
				continue
			}
			n := newAccount{off: o, id: pid.New(pid.Account), codeID: pid.New(pid.ActivationCode), code: newCode()}
			if _, ok := contactOf(o); ok && send {
				n.send, n.code = true, s.derivedCode(n.codeID) // the delivery job recomputes it from the id
			}
			created = append(created, n)
		}
		gctx := authz.Grant(ctx, "accountsProvision", ent.TypeAccount, ent.TypeActivationCode, ent.TypeActivationSheet)
		for i := 0; i < len(created); i += provisionBatch {
			part := created[i:min(i+provisionBatch, len(created))]
			accs := make([]*ent.AccountCreate, len(part))
			codes := make([]*ent.ActivationCodeCreate, len(part))
			for j, n := range part {
				accs[j] = tx.Account.Create().SetID(n.id).SetLogin(NormalizeLogin(n.off.EmployeeCode)).
					SetRole(account.RoleOFFICIAL).SetScopeKind(account.ScopeKindUNIT).SetScopeUnitID(n.off.UnitID).
					SetOfficialID(n.off.ID)
				codes[j] = tx.ActivationCode.Create().SetID(n.codeID).SetCodeHash(s.codeHash(n.code)).
					SetPurpose(activationcode.PurposeACTIVATION).SetExpiresAt(exp).SetAccountID(n.id).SetIssuedBy(v.AccountID)
			}
			if err := tx.Account.CreateBulk(accs...).Exec(gctx); err != nil {
				return err
			}
			if err := tx.ActivationCode.CreateBulk(codes...).Exec(gctx); err != nil {
				return err
			}
		}
		sheets, err := s.sheets(ctx, tx, created, exp, v.AccountID)
		if err != nil {
			return err
		}
		for i := 0; i < len(sheets); i += provisionBatch {
			saved, err := tx.ActivationSheet.CreateBulk(sheets[i:min(i+provisionBatch, len(sheets))]...).Save(gctx)
			if err != nil {
				return err
			}
			res.Sheets = append(res.Sheets, saved...)
		}
		res.Created = len(created)
		var sends []string
		for _, n := range created {
			if n.send {
				sends = append(sends, n.codeID)
			}
		}
		res.Sent = len(sends)
		if err := s.enqueueDeliveries(ctx, sends); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "accountsProvision", ObjectType: scopeObject(target), ObjectID: target.ID,
			Summary: provisionSummary(len(created), len(sheets), len(offs)-len(created))})
	})
	if err != nil {
		return nil, err
	}
	if s.queue == nil { // no job queue (the command line, benchmarks): sent from here
		var msgs []delivery.Message
		for _, n := range created {
			if m, ok := contactOf(n.off); ok && n.send {
				fillMessage(&m, NormalizeLogin(n.off.EmployeeCode), n.code, exp, false)
				msgs = append(msgs, m)
			}
		}
		s.deliver(ctx, msgs)
	}
	return res, nil
}

// deliver sends messages in the background, four at a time; failures are logged (the codes are
// on the sheets too).
func (s *Service) deliver(ctx context.Context, msgs []delivery.Message) {
	if len(msgs) == 0 {
		return
	}
	bg := context.WithoutCancel(ctx)
	s.resets.Add(1)
	go func() {
		defer s.resets.Done()
		var wg sync.WaitGroup
		next := make(chan delivery.Message)
		failed := 0
		var mu sync.Mutex
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := range next {
					c, cancel := context.WithTimeout(bg, 30*time.Second)
					if err := s.accounts.Sender.Send(c, m); err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
						s.log.WarnContext(c, "activation code delivery", "channel", m.Channel, "to", delivery.Mask(m.To), "error", err.Error())
					}
					cancel()
				}
			}()
		}
		for _, m := range msgs {
			next <- m
		}
		close(next)
		wg.Wait()
		s.log.InfoContext(bg, "activation codes delivered", "sent", len(msgs)-failed, "failed", failed)
	}()
}

// sheets makes one sealed sheet per unit of the new accounts (created is ordered by unit).
func (s *Service) sheets(ctx context.Context, tx *ent.Client, created []newAccount, exp time.Time, by string) ([]*ent.ActivationSheetCreate, error) {
	byUnit := map[string][]sheetRow{}
	var units []string
	for _, n := range created {
		u := n.off.UnitID
		if _, ok := byUnit[u]; !ok {
			units = append(units, u)
		}
		byUnit[u] = append(byUnit[u], sheetRow{EmployeeCode: n.off.EmployeeCode, FullName: n.off.FullName,
			Position: n.off.Position, Code: n.code})
	}
	sort.Strings(units)
	names := map[string]string{}
	for i := 0; i < len(units); i += provisionBatch {
		us, err := tx.Unit.Query().Where(unit.IDIn(units[i:min(i+provisionBatch, len(units))]...)).
			Select(unit.FieldID, unit.FieldName).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			names[u.ID] = u.Name
		}
	}
	out := make([]*ent.ActivationSheetCreate, 0, len(units))
	for _, u := range units {
		id := pid.New(pid.ActivationSheet)
		plain, err := json.Marshal(sheetContent{Unit: names[u], ExpiresAt: exp, Rows: byUnit[u]})
		if err != nil {
			return nil, err
		}
		sealed, err := s.accounts.Box.Seal(plain, []byte(id))
		if err != nil {
			return nil, err
		}
		out = append(out, tx.ActivationSheet.Create().SetID(id).SetUnitID(u).SetAccounts(len(byUnit[u])).
			SetSealed(sealed).SetExpiresAt(exp).SetIssuedBy(by))
	}
	return out, nil
}

func scopeObject(sc authz.Scope) string {
	switch sc.Kind {
	case authz.ScopeUnit:
		return "Unit"
	case authz.ScopeDistrict:
		return "District"
	case authz.ScopeProvince:
		return "Province"
	}
	return "Nation"
}

func provisionSummary(created, sheets, skipped int) string {
	return strconv.Itoa(created) + " accounts, " + strconv.Itoa(sheets) + " sheets, " + strconv.Itoa(skipped) + " skipped (login taken)"
}

// errNoSheet is a sheet not there for the viewer, or already downloaded.
var errNoSheet = apperr.New(apperr.NotFound, "Không tìm thấy bảng mã, hoặc bảng đã được tải xuống.",
	"No such activation sheet, or it was already downloaded.").OnField("sheetId")
