package testutil

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// Side is one province of a World with everything in it.
type Side struct {
	Province, District, OtherDistrict string // ids
	ParentUnit, ChildUnit, OtherUnit  string // ParentUnit is in District with ChildUnit under it; OtherUnit is in OtherDistrict
	// Officials: Manager and Staff work in ParentUnit, Clerk in ChildUnit, Outsider in OtherUnit.
	Manager, Staff, Clerk, Outsider string
	// Records of Clerk (in ChildUnit) and of Outsider (in OtherUnit), by type.
	Records, OutsiderRecords map[string]string
	// Reporter is the identity sealed in the cases of this side (to detect leaks).
	Reporter string
}

// World is an organisation for authorization tests: province A (in the scope of the accounts)
// and province B (outside every scope but the nation's), each with the same records, and one
// account per role scoped inside A.
type World struct {
	A, B     Side
	Logins   map[string]string // role name -> login; roles: official, unitManager, districtSupervisor, provinceSupervisor, inspector, admin
	Campaign string
	Box      *sealbox.Box
}

// Roles of a World's accounts, in a stable order.
var Roles = []string{"official", "unitManager", "districtSupervisor", "provinceSupervisor", "inspector", "admin"}

// NewWorld builds the World in db.
func NewWorld(tb testing.TB, db *DB, cfg config.Config) *World {
	tb.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	box, err := sealbox.FromBase64(cfg.ReporterKey)
	if err != nil {
		tb.Fatal(err)
	}
	c := db.Client
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	camp, err := c.Campaign.Create().SetCode("W-CAMPAIGN").SetPlanNumber("1/W").SetIssuer("W").
		SetTitleVi("W").SetTitleEn("W").SetIssuedOn(day).Save(ctx)
	must(err)
	crit, err := c.Criterion.Create().SetCampaign(camp).SetCode("NO_CORRUPTION").
		SetKind(criterion.KindINDIVIDUAL_PROHIBITION).SetTitleVi("Không tham nhũng").SetTitleEn("No corruption").Save(ctx)
	must(err)
	w := &World{Campaign: camp.ID, Box: box, Logins: map[string]string{}}
	seq := 0
	side := func(code, reporter string) Side {
		s := Side{Reporter: reporter, Records: map[string]string{}, OutsiderRecords: map[string]string{}}
		p, err := c.Province.Create().SetCode(code).SetName("Tỉnh " + code).SetKind(province.KindPROVINCE).
			SetValidFrom(day).Save(ctx)
		must(err)
		s.Province = p.ID
		d1, err := c.District.Create().SetCode(code + "-1").SetName("Huyện " + code + "-1").SetKind("Huyện").
			SetValidFrom(day).SetProvince(p).Save(ctx)
		must(err)
		d2, err := c.District.Create().SetCode(code + "-2").SetName("Huyện " + code + "-2").SetKind("Huyện").
			SetValidFrom(day).SetProvince(p).Save(ctx)
		must(err)
		s.District, s.OtherDistrict = d1.ID, d2.ID
		mkUnit := func(name string, d *ent.District, parent *ent.Unit) *ent.Unit {
			q := c.Unit.Create().SetName(name).SetLevel(unit.LevelDISTRICT).SetKind(unit.KindPEOPLES_COMMITTEE).
				SetProvince(p).SetDistrict(d)
			if parent != nil {
				q.SetParent(parent)
			}
			u, err := q.Save(ctx)
			must(err)
			return u
		}
		parent := mkUnit("UBND "+code+"-1", d1, nil)
		child := mkUnit("Phòng "+code+"-1", d1, parent)
		other := mkUnit("UBND "+code+"-2", d2, nil)
		s.ParentUnit, s.ChildUnit, s.OtherUnit = parent.ID, child.ID, other.ID
		mkOfficial := func(name string, u *ent.Unit) *ent.Official {
			seq++
			o, err := c.Official.Create().SetFullName(name).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("W-%s-%d", code, seq)).SetActiveFrom(day.AddDate(-3, 0, 0)).SetUnit(u).Save(ctx)
			must(err)
			return o
		}
		s.Manager = mkOfficial("Trưởng "+code, parent).ID
		s.Staff = mkOfficial("Nhân viên "+code, parent).ID
		clerk := mkOfficial("Văn thư "+code, child)
		outsider := mkOfficial("Cán bộ "+code+"-2", other)
		s.Clerk, s.Outsider = clerk.ID, outsider.ID
		for _, who := range []struct {
			off  *ent.Official
			u    *ent.Unit
			recs map[string]string
		}{{clerk, child, s.Records}, {outsider, other, s.OutsiderRecords}} {
			recs := who.recs
			ack, err := c.Acknowledgement.Create().SetOfficial(who.off).SetCampaign(camp).SetAcknowledgedAt(day).Save(ctx)
			must(err)
			recs["Acknowledgement"] = ack.ID
			pl, err := c.Pledge.Create().SetOfficial(who.off).SetCampaign(camp).SetYear(2025).SetSignedAt(day).Save(ctx)
			must(err)
			recs["Pledge"] = pl.ID
			sa, err := c.SelfAssessment.Create().SetOfficial(who.off).SetCampaign(camp).SetYear(2025).
				SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(selfassessment.StatusSUBMITTED).Save(ctx)
			must(err)
			recs["SelfAssessment"] = sa.ID
			item, err := c.SelfAssessmentItem.Create().SetAssessment(sa).SetCriterion(crit).SetKept(true).Save(ctx)
			must(err)
			recs["SelfAssessmentItem"] = item.ID
			reg, err := c.EmulationRegistration.Create().SetUnit(who.u).SetCampaign(camp).SetYear(2025).
				SetGoals("Mục tiêu").SetRegisteredAt(day).Save(ctx)
			must(err)
			recs["EmulationRegistration"] = reg.ID
			seq++
			caseID := pidFor("cas", seq) // the sealed identity is bound to the case id
			identity, _ := json.Marshal(map[string]string{"name": reporter, "phone": "0901234567", "nationalId": "079123456789", "address": "Số 1 đường " + reporter})
			sealed, err := box.Seal(identity, []byte(caseID))
			must(err)
			cs, err := c.CitizenCase.Create().SetID(caseID).SetTrackingCode(fmt.Sprintf("TRK%s%d", code, seq)).
				SetSecretHash("x").SetChannel(enum.ChannelDenunciation).SetRequestedChannel(enum.ChannelDenunciation).
				SetCategory(enum.CategoryNoCorruption).SetDescription("Nhũng nhiễu khi làm thủ tục").SetAnonymous(false).
				SetReporterIdentity(sealed).SetState(enum.CaseVerifying).SetReceivedAt(day).
				// Under verification, so the official it is about sees it (DESIGN.md §5).
				SetSubjectVisibleAt(day).SetSubjectNotice("Đề nghị giải trình việc tiếp nhận hồ sơ.").
				SetUnit(who.u).SetOfficial(who.off).Save(ctx)
			must(err)
			recs["Case"] = cs.ID
			ev, err := c.CaseEvent.Create().SetCase(cs).SetKind(caseevent.KindSUBMITTED).SetToState(enum.CaseSubmitted).
				SetActorKind(caseevent.ActorKindCITIZEN).SetOccurredAt(day).Save(ctx)
			must(err)
			recs["CaseEvent"] = ev.ID
			internal, err := c.CaseEvent.Create().SetCase(cs).SetKind(caseevent.KindASSIGNED).SetFromState(enum.CaseAccepted).
				SetToState(enum.CaseAccepted).SetActorKind(caseevent.ActorKindSTAFF).SetPublic(false).SetOccurredAt(day).Save(ctx)
			must(err)
			recs["InternalCaseEvent"] = internal.ID
			msg, err := c.CaseMessage.Create().SetCase(cs).SetDirection(casemessage.DirectionFROM_REPORTER).
				SetBody("Tôi xin bổ sung thông tin về vụ việc.").SetSentAt(day).Save(ctx)
			must(err)
			recs["CaseMessage"] = msg.ID
			evd, err := c.Evidence.Create().SetCase(cs).SetContentType("image/jpeg").SetSize(10).SetSha256("ab").
				SetStorageKey("k").SetUploadedAt(day).Save(ctx)
			must(err)
			recs["Evidence"] = evd.ID
			isp, err := c.Inspection.Create().SetUnit(who.u).SetInspectedOn(day).SetInspectors([]string{"Thanh tra"}).
				SetFindings("Phát hiện").Save(ctx)
			must(err)
			recs["Inspection"] = isp.ID
			inc, err := c.Incident.Create().SetOfficial(who.off).SetUnit(who.u).SetYear(2025).
				SetCategory(enum.CategoryNoCorruption).SetOccurredOn(day).SetSource(incident.SourceCASE).
				SetSummary("Vi phạm").SetCase(cs).Save(ctx)
			must(err)
			recs["Incident"] = inc.ID
			cm, err := c.Commendation.Create().SetOfficial(who.off).SetForm(commendation.FormGIAY_KHEN).
				SetLevel(commendation.LevelDISTRICT).SetYear(2024).SetReason("Tốt").Save(ctx)
			must(err)
			recs["Commendation"] = cm.ID
			ucm, err := c.Commendation.Create().SetUnit(who.u).SetForm(commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN).
				SetLevel(commendation.LevelPROVINCE).SetYear(2024).SetReason("Tập thể tốt").Save(ctx)
			must(err)
			recs["UnitCommendation"] = ucm.ID
			recs["Official"] = who.off.ID
		}
		return s
	}
	w.A = side("WA", "Người Báo Tin Alpha")
	w.B = side("WB", "Người Báo Tin Bravo")
	a := w.A
	w.Logins["official"] = Account(tb, db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: a.ChildUnit}, a.Clerk)
	w.Logins["unitManager"] = Account(tb, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: a.ParentUnit}, a.Manager)
	w.Logins["districtSupervisor"] = Account(tb, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeDistrict, ID: a.District}, "")
	w.Logins["provinceSupervisor"] = Account(tb, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: a.Province}, "")
	w.Logins["inspector"] = Account(tb, db, authz.RoleInspector, authz.Scope{Kind: authz.ScopeProvince, ID: a.Province}, "")
	w.Logins["admin"] = Account(tb, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
	// The inspector handles the case about the clerk of A.
	inspector, err := c.Account.Query().Where(account.Login(w.Logins["inspector"])).OnlyID(ctx)
	must(err)
	must(c.CitizenCase.UpdateOneID(a.Records["Case"]).SetHandlerID(inspector).Exec(ctx))
	return w
}

// pidFor makes a well-formed id of a type for fixtures that need to know it before creating.
func pidFor(prefix string, n int) string {
	return fmt.Sprintf("%s_01jw%022d", prefix, n)
}
