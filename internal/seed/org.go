package seed

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
	"unicode"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/phase"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// DemoCampaignCode is the code of the demo campaign, Plan 153/KH-LĐLĐ of Bến Tre; Demo does nothing
// when a campaign with this code exists.
const DemoCampaignCode = "KH-153-LDLD-BEN-TRE"

const benTreCode = "83"

var (
	campaignIssued = day(2020, time.March, 15)
	// systemStart is when the demo's units and officials were entered, just before the plan.
	systemStart = at(day(2020, time.March, 10), 8, 0)
)

// worseningDistricts are the two districts of Bến Tre whose negativity rate rises every year from
// 2021 to 2026, while it falls in the seven others and at the provincial level: Huyện Chợ Lách (832)
// and Huyện Thạnh Phú (837).
var worseningDistricts = []string{"832", "837"}

// demo builds the demo data in memory as far as later parts need it, and writes it as it goes.
type demo struct {
	c    *ent.Client
	opt  Options
	now  time.Time // opt.Now in UTC
	log  *slog.Logger
	refs *refs
	err  error // first error of a sink

	provinceID   string
	districts    []*districtRec
	campaignID   string
	criterionIDs map[string]string
	units        []*unitRec
	officials    []*officialRec
	years        []int // 2020 up to the year of now

	// Outcomes later parts depend on.
	incidents   []*incidentRec
	incidentsOf map[offYear][]*incidentRec
	final       map[offYear]string // reviewed classification
	praised     []*caseRec         // closed praise cases
	cases       []*caseRec
	st          Stats
}

type offYear struct {
	off  *officialRec
	year int
}

type districtRec struct {
	id, code, name string
	communes       []adminUnit
	worsening      bool
	committee      *unitRec
}

type flavour int

const (
	flCommittee flavour = iota
	flCommune
	flDepartment
	flOffice
	flAdminOffice
	flInspectorate
	flUnion
	flGrassroots
	flHospital
	flSchool
	flCentre
)

type unitRec struct {
	id, name, code string
	level          unit.Level
	kind           unit.Kind
	flavour        flavour
	district       *districtRec // nil for provincial units
	parent         *unitRec
	size           int
	officials      []*officialRec
}

type officialRec struct {
	id, name, code, position string
	cat                      official.Category
	unit                     *unitRec
	from                     time.Time
	to                       *time.Time
	leader                   bool
}

// activeOn reports whether the official was in service on date d.
func (o *officialRec) activeOn(d time.Time) bool {
	return !o.from.After(d) && (o.to == nil || !o.to.Before(d))
}

// daysIn is how many days of year y the official served.
func (o *officialRec) daysIn(y int) int {
	from, to := maxTime(o.from, day(y, 1, 1)), day(y, 12, 31)
	if o.to != nil {
		to = minTime(to, *o.to)
	}
	if to.Before(from) {
		return 0
	}
	return int(to.Sub(from).Hours()/24) + 1
}

func newDemo(ctx context.Context, c *ent.Client, opt Options, r *refs, log *slog.Logger) (*demo, error) {
	exists, err := c.Campaign.Query().Where(campaign.Code(DemoCampaignCode)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if exists {
		log.Info("seed: demo campaign exists, nothing to do", "code", DemoCampaignCode)
		return nil, nil
	}
	d := &demo{c: c, opt: opt, now: opt.Now.UTC(), log: log, refs: r,
		incidentsOf: map[offYear][]*incidentRec{}, final: map[offYear]string{}}
	d.provinceID = r.provinces[key(benTreCode, historicFrom)]
	if d.provinceID == "" {
		return nil, fmt.Errorf("province %s is missing", benTreCode)
	}
	for _, u := range r.units {
		if u.level == 2 && u.parent == benTreCode {
			dr := &districtRec{id: r.districts[key(u.code, historicFrom)], code: u.code, name: u.name,
				worsening: slices.Contains(worseningDistricts, u.code)}
			if dr.id == "" {
				return nil, fmt.Errorf("district %s is missing", u.code)
			}
			for _, cu := range r.units {
				if cu.level == 3 && cu.parent == u.code {
					dr.communes = append(dr.communes, cu)
				}
			}
			d.districts = append(d.districts, dr)
		}
	}
	for y := 2020; y <= d.now.In(ict).Year(); y++ {
		d.years = append(d.years, y)
	}
	return d, nil
}

func (d *demo) run(ctx context.Context) (Stats, error) {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"campaign", d.campaign},
		{"units", d.buildUnits},
		{"officials", d.buildOfficials},
		{"acknowledgements", d.acknowledgements},
		{"pledges", d.pledges},
		{"registrations", d.registrations},
		{"casework", d.casework},
		{"self-assessments", d.selfAssessments},
		{"commendations", d.commendations},
		{"accounts", d.accounts},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(ctx); err != nil {
			return Stats{}, fmt.Errorf("%s: %w", s.name, err)
		}
		if d.err != nil {
			return Stats{}, fmt.Errorf("%s: %w", s.name, d.err)
		}
		d.log.Debug("seed: demo step done", "step", s.name, "elapsed", time.Since(t).Round(time.Millisecond))
	}
	return d.st, nil
}

func (d *demo) campaign(ctx context.Context) error {
	s := newStream("demo/campaign")
	created := at(campaignIssued, 9, 0)
	d.campaignID = s.id(pid.Campaign, created)
	err := d.c.Campaign.Create().SetID(d.campaignID).SetCreatedAt(created).SetUpdatedAt(created).
		SetCode(DemoCampaignCode).SetPlanNumber("153/KH-LĐLĐ").SetIssuer("Liên đoàn Lao động tỉnh Bến Tre").
		SetTitleVi("Cuộc vận động “Cán bộ, công chức, viên chức nói không với tiêu cực”").
		SetTitleEn("Campaign “Officials and public employees say no to negative practices”").
		SetSummaryVi("Kế hoạch số 153/KH-LĐLĐ của Liên đoàn Lao động tỉnh triển khai cuộc vận động “Cán bộ, công chức, " +
			"viên chức nói không với tiêu cực” gắn với phong trào thi đua. Giai đoạn 1 (năm 2020): 100% CBCCVC biết và " +
			"hiểu rõ mục đích, nội dung, ý nghĩa của cuộc vận động; các cấp công đoàn đăng ký thi đua; thành lập Ban chỉ đạo. " +
			"Giai đoạn 2 (từ năm 2021 đến năm 2026 và các năm tiếp theo): phấn đấu hằng năm giảm tỷ lệ tiêu cực trong CBCCVC " +
			"từ 5 - 10%; kiểm tra, giám sát; biểu dương, khen thưởng kịp thời; sơ kết hằng năm, tổng kết giai đoạn 2021 - 2026. " +
			"Đối với tập thể: cải cách hành chính, phục vụ nhân dân, ngăn ngừa tiêu cực; xây dựng cơ quan văn minh, hiện đại, " +
			"xanh, sạch, đẹp. Đối với cá nhân: 5 không; kỷ cương, trách nhiệm, tận tụy, chuyên nghiệp.").
		SetSummaryEn("Plan No. 153/KH-LĐLĐ of the provincial Labour Federation carries out the campaign \"Officials and " +
			"public employees say no to negative practices\" together with the emulation movement. Phase 1 (2020): 100% " +
			"of officials know and understand the campaign's purpose, content and meaning; trade unions at every level " +
			"register for emulation; a steering committee is set up. Phase 2 (2021 to 2026 and after): reduce the rate of " +
			"negative practices among officials by 5 to 10% every year; inspection and supervision; prompt praise and " +
			"commendation; a yearly review and a final review of 2021-2026. For collectives: administrative reform, serving " +
			"the people, preventing negative behaviour; a civilised, modern, green, clean and beautiful agency. For " +
			"individuals: the five \"no\"s; discipline, responsibility, dedication, professionalism.").
		SetIssuedOn(campaignIssued).SetProvinceID(d.provinceID).Exec(ctx)
	if err != nil {
		return err
	}
	endYear, review := 2020, 2026
	err = d.c.Phase.CreateBulk(
		d.c.Phase.Create().SetID(s.id(pid.Phase, created)).SetCreatedAt(created).SetUpdatedAt(created).
			SetCampaignID(d.campaignID).SetNumber(1).SetTitleVi("Giai đoạn 1 - năm 2020").SetTitleEn("Phase 1 - 2020").
			SetStartYear(2020).SetEndYear(endYear).SetTargetMetric(phase.TargetMetricAWARENESS_RATE).
			SetTargetMin(1).SetTargetMax(1),
		d.c.Phase.Create().SetID(s.id(pid.Phase, created)).SetCreatedAt(created).SetUpdatedAt(created).
			SetCampaignID(d.campaignID).SetNumber(2).
			SetTitleVi("Giai đoạn 2 - từ năm 2021 đến năm 2026 và các năm tiếp theo").
			SetTitleEn("Phase 2 - 2021 to 2026 and the years after").
			SetStartYear(2021).SetReviewYear(review).SetTargetMetric(phase.TargetMetricNEGATIVITY_REDUCTION).
			SetTargetMin(0.05).SetTargetMax(0.10),
	).Exec(ctx)
	if err != nil {
		return err
	}
	d.criterionIDs = map[string]string{}
	var cs []*ent.CriterionCreate
	for i, cr := range criteria {
		id := s.id(pid.Criterion, created)
		d.criterionIDs[cr.code] = id
		cs = append(cs, d.c.Criterion.Create().SetID(id).SetCreatedAt(created).SetUpdatedAt(created).
			SetCampaignID(d.campaignID).SetCode(cr.code).SetKind(criterion.Kind(cr.kind)).
			SetTitleVi(cr.vi).SetTitleEn(cr.en).SetPosition(i+1))
	}
	return d.c.Criterion.CreateBulk(cs...).Exec(ctx)
}

// buildUnits makes the tree of units: the provincial people's committee, its departments and
// agencies, the Labour Federation, provincial public service units; per district its people's
// committee, offices, health centre and schools; per commune its people's committee; and grassroots
// trade unions under some of them. Parents come before their children.
func (d *demo) buildUnits(ctx context.Context) error {
	s := newStream("demo/units")
	add := func(name string, level unit.Level, kind unit.Kind, fl flavour, dr *districtRec, parent *unitRec, lo, hi int) *unitRec {
		u := &unitRec{name: name, level: level, kind: kind, flavour: fl, district: dr, parent: parent, size: s.between(lo, hi)}
		d.units = append(d.units, u)
		return u
	}
	prov, dist, comm := unit.LevelPROVINCE, unit.LevelDISTRICT, unit.LevelCOMMUNE
	ubnd := add("Ủy ban nhân dân tỉnh Bến Tre", prov, unit.KindPEOPLES_COMMITTEE, flCommittee, nil, nil, 5, 6)
	vp := add("Văn phòng Ủy ban nhân dân tỉnh Bến Tre", prov, unit.KindAGENCY, flAdminOffice, nil, ubnd, 30, 38)
	depts := map[string]*unitRec{}
	for _, name := range []string{"Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Tư pháp", "Sở Công Thương",
		"Sở Nông nghiệp và Phát triển nông thôn", "Sở Giao thông vận tải", "Sở Xây dựng", "Sở Tài nguyên và Môi trường",
		"Sở Thông tin và Truyền thông", "Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch",
		"Sở Khoa học và Công nghệ", "Sở Giáo dục và Đào tạo", "Sở Y tế"} {
		depts[name] = add(name+" tỉnh Bến Tre", prov, unit.KindDEPARTMENT, flDepartment, nil, ubnd, 17, 27)
	}
	add("Thanh tra tỉnh Bến Tre", prov, unit.KindAGENCY, flInspectorate, nil, ubnd, 18, 24)
	add("Liên đoàn Lao động tỉnh Bến Tre", prov, unit.KindTRADE_UNION, flUnion, nil, nil, 14, 18)
	hospital := add("Bệnh viện Nguyễn Đình Chiểu", prov, unit.KindPUBLIC_SERVICE, flHospital, nil, depts["Sở Y tế"], 80, 95)
	add("Trung tâm Kiểm soát bệnh tật tỉnh Bến Tre", prov, unit.KindPUBLIC_SERVICE, flCentre, nil, depts["Sở Y tế"], 25, 32)
	add("Trường Trung học phổ thông chuyên Bến Tre", prov, unit.KindPUBLIC_SERVICE, flSchool, nil, depts["Sở Giáo dục và Đào tạo"], 40, 48)
	add("Trung tâm Phục vụ hành chính công tỉnh Bến Tre", prov, unit.KindPUBLIC_SERVICE, flCentre, nil, vp, 12, 16)
	add("Trung tâm Dịch vụ việc làm tỉnh Bến Tre", prov, unit.KindPUBLIC_SERVICE, flCentre, nil,
		depts["Sở Lao động - Thương binh và Xã hội"], 12, 16)
	for _, p := range []*unitRec{vp, depts["Sở Y tế"], depts["Sở Giáo dục và Đào tạo"], depts["Sở Tài chính"],
		depts["Sở Nội vụ"], depts["Sở Nông nghiệp và Phát triển nông thôn"], hospital} {
		add("Công đoàn cơ sở "+p.name, prov, unit.KindTRADE_UNION, flGrassroots, nil, p, 0, 0)
	}

	extra := []string{"Phòng Tài nguyên và Môi trường", "Phòng Tư pháp", "Phòng Lao động - Thương binh và Xã hội",
		"Thanh tra", "Phòng Kinh tế - Hạ tầng"}
	for _, dr := range d.districts {
		in := lowerFirst(dr.name) // "huyện Ba Tri"
		dr.committee = add("Ủy ban nhân dân "+in, dist, unit.KindPEOPLES_COMMITTEE, flCommittee, dr, ubnd, 4, 5)
		office := add("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân "+in, dist, unit.KindAGENCY, flAdminOffice, dr, dr.committee, 10, 14)
		add("Phòng Nội vụ "+in, dist, unit.KindDEPARTMENT, flOffice, dr, dr.committee, 6, 8)
		add("Phòng Tài chính - Kế hoạch "+in, dist, unit.KindDEPARTMENT, flOffice, dr, dr.committee, 7, 9)
		edu := add("Phòng Giáo dục và Đào tạo "+in, dist, unit.KindDEPARTMENT, flOffice, dr, dr.committee, 7, 9)
		for _, i := range s.Perm(len(extra))[:s.between(0, 2)] {
			name := extra[i]
			if name == "Phòng Kinh tế - Hạ tầng" && dr.code == "829" {
				name = "Phòng Quản lý đô thị"
			}
			if name == "Thanh tra" {
				add("Thanh tra "+in, dist, unit.KindAGENCY, flInspectorate, dr, dr.committee, 5, 7)
				continue
			}
			add(name+" "+in, dist, unit.KindDEPARTMENT, flOffice, dr, dr.committee, 5, 8)
		}
		health := add("Trung tâm Y tế "+in, dist, unit.KindPUBLIC_SERVICE, flHospital, dr, dr.committee, 30, 40)
		var named []string // schools take the name of a commune, not of a numbered ward
		for _, i := range s.Perm(len(dr.communes)) {
			if n := placeName(dr.communes[i].name); !unicode.IsDigit([]rune(n)[0]) {
				named = append(named, n)
			}
		}
		school1 := add("Trường Trung học cơ sở "+named[0], dist, unit.KindPUBLIC_SERVICE, flSchool, dr, edu, 22, 32)
		add("Trường Tiểu học "+named[1], dist, unit.KindPUBLIC_SERVICE, flSchool, dr, edu, 20, 28)
		for _, p := range []*unitRec{health, office, school1}[:s.between(2, 3)] {
			add("Công đoàn cơ sở "+p.name, dist, unit.KindTRADE_UNION, flGrassroots, dr, p, 0, 0)
		}
		for _, cu := range dr.communes {
			lo, hi := 7, 9
			if cu.kind != "Xã" {
				lo, hi = 9, 11
			}
			u := add("Ủy ban nhân dân "+lowerFirst(cu.name), comm, unit.KindPEOPLES_COMMITTEE, flCommune, dr, dr.committee, lo, hi)
			u.code = cu.code
		}
	}

	var errp error
	sk := newSink(&errp, func(ctx context.Context, b []*ent.UnitCreate) error { return d.c.Unit.CreateBulk(b...).Exec(ctx) })
	for _, u := range d.units {
		u.id = s.id(pid.Unit, systemStart)
		b := d.c.Unit.Create().SetID(u.id).SetCreatedAt(systemStart).SetUpdatedAt(systemStart).SetName(u.name).
			SetLevel(u.level).SetKind(u.kind).SetProvinceID(d.provinceID)
		if u.code != "" {
			b.SetCode(u.code)
		}
		if u.district != nil {
			b.SetDistrictID(u.district.id)
		}
		if u.parent != nil {
			b.SetParentID(u.parent.id)
		}
		sk.add(ctx, b)
	}
	d.st.Units = sk.n
	return sk.flush(ctx)
}

type post struct {
	title string
	cat   official.Category
	w     float64
}

var (
	canBo, congChuc, vienChuc, contract = official.CategoryCAN_BO, official.CategoryCONG_CHUC, official.CategoryVIEN_CHUC, official.CategoryCONTRACT
	// staffing: per flavour, the leaders (filled first, in order) and the staff posts, weighted.
	staffing = map[flavour][2][]post{
		flCommittee: {{{"Chủ tịch Ủy ban nhân dân", canBo, 0}, {"Phó Chủ tịch Ủy ban nhân dân", canBo, 0},
			{"Phó Chủ tịch Ủy ban nhân dân", canBo, 0}}, {{"Ủy viên Ủy ban nhân dân", canBo, 1}}},
		flCommune: {{{"Chủ tịch Ủy ban nhân dân", canBo, 0}, {"Phó Chủ tịch Ủy ban nhân dân", canBo, 0}},
			{{"Công chức Văn phòng - Thống kê", congChuc, 3}, {"Công chức Tư pháp - Hộ tịch", congChuc, 2},
				{"Công chức Địa chính - Xây dựng", congChuc, 2}, {"Công chức Tài chính - Kế toán", congChuc, 1.5},
				{"Công chức Văn hóa - Xã hội", congChuc, 2}, {"Chỉ huy trưởng Ban Chỉ huy Quân sự", congChuc, 0.6},
				{"Nhân viên hợp đồng", contract, 0.8}}},
		flDepartment: {{{"Giám đốc", congChuc, 0}, {"Phó Giám đốc", congChuc, 0}, {"Phó Giám đốc", congChuc, 0}},
			{{"Trưởng phòng", congChuc, 2}, {"Phó Trưởng phòng", congChuc, 3}, {"Chuyên viên chính", congChuc, 3},
				{"Chuyên viên", congChuc, 8}, {"Kế toán", congChuc, 1}, {"Văn thư", congChuc, 1},
				{"Lái xe", contract, 0.7}, {"Bảo vệ", contract, 0.5}}},
		flOffice: {{{"Trưởng phòng", congChuc, 0}, {"Phó Trưởng phòng", congChuc, 0}},
			{{"Chuyên viên", congChuc, 6}, {"Chuyên viên chính", congChuc, 1}, {"Nhân viên hợp đồng", contract, 0.4}}},
		flAdminOffice: {{{"Chánh Văn phòng", congChuc, 0}, {"Phó Chánh Văn phòng", congChuc, 0}},
			{{"Chuyên viên", congChuc, 6}, {"Văn thư", congChuc, 1}, {"Lái xe", contract, 1.5}, {"Bảo vệ", contract, 0.5}}},
		flInspectorate: {{{"Chánh Thanh tra", congChuc, 0}, {"Phó Chánh Thanh tra", congChuc, 0}},
			{{"Thanh tra viên chính", congChuc, 2}, {"Thanh tra viên", congChuc, 5}, {"Chuyên viên", congChuc, 1}}},
		flUnion: {{{"Chủ tịch Liên đoàn Lao động", canBo, 0}, {"Phó Chủ tịch Liên đoàn Lao động", canBo, 0},
			{"Phó Chủ tịch Liên đoàn Lao động", canBo, 0}},
			{{"Trưởng ban", canBo, 1}, {"Chuyên viên", canBo, 4}, {"Nhân viên hợp đồng", contract, 1}}},
		flHospital: {{{"Giám đốc", vienChuc, 0}, {"Phó Giám đốc", vienChuc, 0}},
			{{"Bác sĩ", vienChuc, 4}, {"Điều dưỡng", vienChuc, 6}, {"Dược sĩ", vienChuc, 1}, {"Kỹ thuật viên", vienChuc, 2},
				{"Kế toán", vienChuc, 0.7}, {"Hộ lý", contract, 1}, {"Bảo vệ", contract, 0.4}}},
		flSchool: {{{"Hiệu trưởng", vienChuc, 0}, {"Phó Hiệu trưởng", vienChuc, 0}},
			{{"Giáo viên", vienChuc, 10}, {"Kế toán", vienChuc, 0.5}, {"Nhân viên thư viện", vienChuc, 0.5},
				{"Bảo vệ", contract, 0.5}}},
		flCentre: {{{"Giám đốc", vienChuc, 0}, {"Phó Giám đốc", vienChuc, 0}},
			{{"Viên chức", vienChuc, 6}, {"Kế toán", vienChuc, 0.6}, {"Nhân viên hợp đồng", contract, 1}}},
	}
)

// buildOfficials staffs every unit: leaders first, then staff; most joined before 2020, some later,
// and about 2% have left.
func (d *demo) buildOfficials(ctx context.Context) error {
	s := newStream("demo/officials")
	lastHire := dateOf(d.now).AddDate(0, 0, -60)
	var errp error
	sk := newSink(&errp, func(ctx context.Context, b []*ent.OfficialCreate) error {
		return d.c.Official.CreateBulk(b...).Exec(ctx)
	})
	for _, u := range d.units {
		posts := staffing[u.flavour]
		weights := make([]float64, len(posts[1]))
		for i, p := range posts[1] {
			weights[i] = p.w
		}
		for i := range u.size {
			o := &officialRec{unit: u, name: personName(s), code: fmt.Sprintf("BT-%06d", len(d.officials)+1)}
			var p post
			if i < len(posts[0]) {
				p, o.leader = posts[0][i], true
			} else {
				p = posts[1][weighted(s, weights)]
			}
			o.position, o.cat = p.title, p.cat
			switch {
			case o.leader:
				o.from = randDate(s, day(1992, 1, 1), day(2014, 12, 31))
			case s.chance(0.09):
				o.from = randDate(s, day(2020, 1, 2), lastHire)
			default:
				o.from = randDate(s, day(1995, 1, 1), day(2019, 12, 31))
			}
			if s.chance(0.02) {
				first := maxTime(o.from.AddDate(1, 0, 0), day(2021, 1, 1))
				if last := dateOf(d.now).AddDate(0, 0, -1); !first.After(last) {
					to := randDate(s, first, last)
					o.to = &to
				}
			}
			created := maxTime(systemStart, at(o.from, 7, 30))
			o.id = s.id(pid.Official, created)
			updated := created
			if o.to != nil {
				updated = at(*o.to, 16, 0)
			}
			b := d.c.Official.Create().SetID(o.id).SetCreatedAt(created).SetUpdatedAt(updated).SetFullName(o.name).
				SetCategory(o.cat).SetPosition(o.position).SetEmployeeCode(o.code).SetActiveFrom(o.from).
				SetNillableActiveTo(o.to).SetUnitID(u.id)
			sk.add(ctx, b)
			u.officials = append(u.officials, o)
			d.officials = append(d.officials, o)
		}
	}
	d.st.Officials = sk.n
	return sk.flush(ctx)
}
