package auth

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/accountprovisioning"
	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
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

// provisionUnits is one batch of a provisioning run, in one transaction: the accounts (role
// OFFICIAL, scope their unit, login = employee code, no password) of the officials in service of
// units still without one, one activation code each (multi-row inserts of provisionBatch rows),
// one sealed sheet per unit, the delivery jobs of the codes to send (deliver.go), and the run's
// progress. It holds the province's provisioning lock, and does nothing when the run's cursor has
// already passed its units (another attempt did them). It returns the messages to send from
// this process once committed (no job queue).
func (s *Service) provisionUnits(ctx context.Context, run *ent.AccountProvisioning, units []string) ([]delivery.Message, error) {
	var created []newAccount
	var exp time.Time
	err := store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := s.lockProvince(ctx, tx, run.ProvinceID); err != nil {
			return err
		}
		cur, err := tx.AccountProvisioning.Get(ctx, run.ID)
		if err != nil {
			return err
		}
		if cur.Status != accountprovisioning.StatusRUNNING {
			return errRunStopped
		}
		if cur.Cursor != "" && units[len(units)-1] <= cur.Cursor {
			return nil
		}
		now := s.now()
		today := now.Truncate(24 * time.Hour)
		exp = now.Add(s.accounts.ActivationTTL).Truncate(time.Second)
		offs, err := tx.Official.Query().Where(official.UnitIDIn(units...), official.Not(official.HasAccount()),
			official.Or(official.ActiveToIsNil(), official.ActiveToGTE(today))).
			Order(ent.Asc(official.FieldUnitID), ent.Asc(official.FieldFullName), ent.Asc(official.FieldID)).
			Select(official.FieldID, official.FieldEmployeeCode, official.FieldFullName, official.FieldPosition,
				official.FieldUnitID, official.FieldContactPhone, official.FieldContactEmail).All(ctx)
		if err != nil {
			return err
		}
		// Logins already taken (by accounts made by hand): those officials are left out.
		taken := map[string]bool{}
		for i := 0; i < len(offs); i += provisionBatch {
			logins := make([]string, 0, provisionBatch)
			for _, o := range offs[i:min(i+provisionBatch, len(offs))] {
				logins = append(logins, NormalizeLogin(o.EmployeeCode))
			}
			got, err := tx.Account.Query().Where(account.LoginIn(logins...)).Select(account.FieldLogin).Strings(ctx)
			if err != nil {
				return err
			}
			for _, l := range got {
				taken[l] = true
			}
		}
		var skipped []ProvisionSkip
		_ = json.Unmarshal(cur.SkippedList, &skipped)
		nskipped := 0
		created = make([]newAccount, 0, len(offs))
		for _, o := range offs {
			if taken[NormalizeLogin(o.EmployeeCode)] {
				nskipped++
				if len(skipped) < maxSkipped {
					skipped = append(skipped, ProvisionSkip{EmployeeCode: o.EmployeeCode, Code: "LOGIN_TAKEN"})
				}
				continue
			}
			n := newAccount{off: o, id: pid.New(pid.Account), codeID: pid.New(pid.ActivationCode), code: newCode()}
			if _, ok := contactOf(o); ok && run.Send {
				n.send, n.code = true, s.derivedCode(n.codeID) // the delivery job recomputes it from the id
			}
			created = append(created, n)
		}
		for i := 0; i < len(created); i += provisionBatch {
			part := created[i:min(i+provisionBatch, len(created))]
			accs := make([]*ent.AccountCreate, len(part))
			codes := make([]*ent.ActivationCodeCreate, len(part))
			for j, n := range part {
				accs[j] = tx.Account.Create().SetID(n.id).SetLogin(NormalizeLogin(n.off.EmployeeCode)).
					SetRole(account.RoleOFFICIAL).SetScopeKind(account.ScopeKindUNIT).SetScopeUnitID(n.off.UnitID).
					SetOfficialID(n.off.ID)
				codes[j] = tx.ActivationCode.Create().SetID(n.codeID).SetCodeHash(s.codeHash(n.code)).
					SetPurpose(activationcode.PurposeACTIVATION).SetExpiresAt(exp).SetAccountID(n.id).SetIssuedBy(run.RequestedBy)
			}
			if err := tx.Account.CreateBulk(accs...).Exec(ctx); err != nil {
				return err
			}
			if err := tx.ActivationCode.CreateBulk(codes...).Exec(ctx); err != nil {
				return err
			}
		}
		sheets, err := s.sheets(ctx, tx, created, exp, run)
		if err != nil {
			return err
		}
		for i := 0; i < len(sheets); i += provisionBatch {
			if err := tx.ActivationSheet.CreateBulk(sheets[i:min(i+provisionBatch, len(sheets))]...).Exec(ctx); err != nil {
				return err
			}
		}
		var sends []string
		for _, n := range created {
			if n.send {
				sends = append(sends, n.codeID)
			}
		}
		if err := s.enqueueDeliveries(ctx, sends); err != nil {
			return err
		}
		list, err := json.Marshal(skipped)
		if err != nil {
			return err
		}
		return tx.AccountProvisioning.UpdateOneID(run.ID).SetCursor(units[len(units)-1]).AddUnitsDone(len(units)).
			AddCreated(len(created)).AddSkipped(nskipped).AddSent(len(sends)).AddSheetCount(len(sheets)).
			SetSkippedList(list).Exec(ctx)
	})
	if err != nil || s.queue != nil {
		return nil, err
	}
	// No job queue (the command line, benchmarks): sent from this process once committed.
	var msgs []delivery.Message
	for _, n := range created {
		if m, ok := contactOf(n.off); ok && n.send {
			fillMessage(&m, NormalizeLogin(n.off.EmployeeCode), n.code, exp, false)
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
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

// sheets makes one sealed sheet per unit of the new accounts (created is ordered by unit), made
// by the run.
func (s *Service) sheets(ctx context.Context, tx *ent.Client, created []newAccount, exp time.Time, run *ent.AccountProvisioning) ([]*ent.ActivationSheetCreate, error) {
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
			SetSealed(sealed).SetExpiresAt(exp).SetIssuedBy(run.RequestedBy).SetProvisioningID(run.ID))
	}
	return out, nil
}

// errNoSheet is a sheet not there for the viewer, or already downloaded.
var errNoSheet = apperr.New(apperr.NotFound, "Không tìm thấy bảng mã, hoặc bảng đã được tải xuống.",
	"No such activation sheet, or it was already downloaded.").OnField("sheetId")
