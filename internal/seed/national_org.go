package seed

import (
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// nation is the synthetic nation: its organisation and officials in memory (compactly: 2.2 million
// officials take about 150 MB), and the plans the tables' generators share (incidents, cases).
// Every other row is generated while it is copied, from streams keyed by what it belongs to (an
// official, a unit, a case), so that the tables can be generated in any order, two at a time.
type nation struct {
	opt        NationalOptions
	now        time.Time // opt.Now in UTC
	log        *slog.Logger
	campaignID string
	years      []int // 2021 up to the year of now

	provinces []*natProvince
	units     []natUnit
	officials []natOfficial

	incidents   []*natIncident
	incidentsOf map[offYearKey][]*natIncident
	inspections []*natInspection
	slots       []caseSlot // every case, in the order received
}

type natProvince struct {
	id, code, name, in string // in: the name inside a unit's name ("tỉnh Cao Bằng")
	u0, u1             int32  // its units: units[u0:u1]
	o0, o1             int32  // its officials: officials[o0:o1]
	factor, trend      float64
	caseWeights        []float64 // cumulative weight of its units as the subject of citizen cases
}

type natUnit struct {
	id, name, code string
	level          unit.Level
	kind           unit.Kind
	fl             flavour
	prov           int32
	parent         int32 // -1: none
	off0, offN     int32 // its officials: officials[off0 : off0+offN]
}

type natOfficial struct {
	id       string
	unit     int32
	from, to int32 // days since 1970-01-01; to is 0 while in service
	post     uint8 // index into the unit's posts, leaders first
}

// placeOf is where a record about an official is made (internal/recordscope): their unit and its
// province. Officials of the national data never move.
func (n *nation) placeOf(o *natOfficial) (unitID, provinceID string) {
	u := &n.units[o.unit]
	return u.id, n.provinces[u.prov].id
}

// dayNum is the number of a date (midnight UTC); dateNum its inverse.
func dayNum(t time.Time) int32  { return int32(t.Unix() / 86400) }
func dateNum(n int32) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

func (o *natOfficial) fromDate() time.Time { return dateNum(o.from) }

func (o *natOfficial) toDate() *time.Time {
	if o.to == 0 {
		return nil
	}
	t := dateNum(o.to)
	return &t
}

// activeOn reports whether the official was in service on date d.
func (o *natOfficial) activeOn(d int32) bool { return o.from <= d && (o.to == 0 || o.to >= d) }

// daysIn is how many days of year y the official served.
func (o *natOfficial) daysIn(y int) int {
	from, to := max(o.from, dayNum(day(y, 1, 1))), dayNum(day(y, 12, 31))
	if o.to != 0 {
		to = min(to, o.to)
	}
	return max(int(to-from)+1, 0)
}

// Flavours of the national units beyond the demo's.
const (
	flHealthStation flavour = 100 + iota // a commune's health station
)

var natStaffing = map[flavour][2][]post{
	flHealthStation: {{{"Trạm trưởng", vienChuc, 0}, {"Phó Trạm trưởng", vienChuc, 0}},
		{{"Bác sĩ", vienChuc, 1}, {"Y sĩ", vienChuc, 3}, {"Điều dưỡng", vienChuc, 2}, {"Hộ sinh", vienChuc, 1.5},
			{"Dược sĩ", vienChuc, 0.5}}},
}

// postsOf returns the leaders and the staff posts of a flavour.
func postsOf(fl flavour) [2][]post {
	if p, ok := natStaffing[fl]; ok {
		return p
	}
	return staffing[fl]
}

// postOf returns the post of an official of a unit of flavour fl.
func postOf(fl flavour, i uint8) post {
	p := postsOf(fl)
	if int(i) < len(p[0]) {
		return p[0][i]
	}
	return p[1][int(i)-len(p[0])]
}

// stream returns the stream of a part of the nation, for parts generated in one pass.
func (n *nation) stream(name string) *stream {
	h := fnv.New64a()
	_, _ = h.Write([]byte("national/" + name))
	return &stream{rand.New(rand.NewPCG(seedKey^n.opt.Seed, h.Sum64()))}
}

// keyed is a stream reseeded for each record it draws for (keyed.at), so that what a record gets
// depends on its key only, not on the order records are generated in.
type keyed struct {
	pcg     *rand.PCG
	s       *stream
	seed, h uint64
}

func (n *nation) keyed(name string) *keyed {
	h := fnv.New64a()
	_, _ = h.Write([]byte("national/" + name))
	pcg := rand.NewPCG(0, 0)
	return &keyed{pcg: pcg, s: &stream{rand.New(pcg)}, seed: seedKey ^ n.opt.Seed, h: h.Sum64()}
}

func (k *keyed) at(a, b uint64) *stream {
	k.pcg.Seed(k.seed, mix64(mix64(k.h^a)^b))
	return k.s
}

// mix64 is splitmix64's finaliser.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// keep reports whether the j-th of a list is kept at the given rate, spreading the kept evenly;
// the first is always kept.
func keep(j int, rate float64) bool {
	return j == 0 || rate >= 1 || math.Floor(float64(j+1)*rate) > math.Floor(float64(j)*rate)
}

// unitSpec is a unit to be, before the scale decides whether it is kept.
type unitSpec struct {
	name   string
	kind   unit.Kind
	fl     flavour
	lo, hi int
	parent int // index in the same list; -1 for none
	code   string
}

type specs []unitSpec

func (l *specs) add(parent int, name string, kind unit.Kind, fl flavour, lo, hi int) int {
	*l = append(*l, unitSpec{name: name, kind: kind, fl: fl, lo: lo, hi: hi, parent: parent})
	return len(*l) - 1
}

// provinceIn writes a province's name as it reads inside a unit's name.
func provinceIn(name string) string {
	for _, p := range []string{"Tỉnh ", "Thành phố "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return strings.ToLower(p[:1]) + p[1:] + rest
		}
	}
	return name
}

// place is a district's or commune's name without its kind, or with it when the name is a number
// ("Phường 1").
func place(name string) string {
	p := placeName(name)
	if unicode.IsDigit([]rune(p)[0]) {
		return name
	}
	return p
}

// provincialUnits are a province's committee, its office, inspectorate, departments, the Labour
// Federation and the public service units under them, with per pre-merger district a health
// centre, upper secondary schools and a vocational centre.
func provincialUnits(s *stream, in, short string, districts []adminUnit) specs {
	var l specs
	ps, ag, dp := unit.KindPUBLIC_SERVICE, unit.KindAGENCY, unit.KindDEPARTMENT
	ubnd := l.add(-1, "Ủy ban nhân dân "+in, unit.KindPEOPLES_COMMITTEE, flCommittee, 5, 8)
	vp := l.add(ubnd, "Văn phòng Ủy ban nhân dân "+in, ag, flAdminOffice, 60, 110)
	l.add(ubnd, "Thanh tra "+in, ag, flInspectorate, 40, 80)
	dept := map[string]int{}
	for _, d := range []struct {
		name   string
		lo, hi int
	}{{"Sở Nội vụ", 70, 120}, {"Sở Tài chính", 90, 160}, {"Sở Tư pháp", 40, 70}, {"Sở Công Thương", 60, 110},
		{"Sở Nông nghiệp và Môi trường", 120, 220}, {"Sở Xây dựng", 70, 120}, {"Sở Khoa học và Công nghệ", 50, 90},
		{"Sở Văn hóa, Thể thao và Du lịch", 60, 110}, {"Sở Giáo dục và Đào tạo", 60, 110}, {"Sở Y tế", 60, 110},
		{"Sở Dân tộc và Tôn giáo", 25, 50}} {
		dept[d.name] = l.add(ubnd, d.name+" "+in, dp, flDepartment, d.lo, d.hi)
	}
	l.add(-1, "Liên đoàn Lao động "+in, unit.KindTRADE_UNION, flUnion, 30, 60)
	l.add(vp, "Trung tâm Phục vụ hành chính công "+in, ps, flCentre, 20, 40)
	l.add(ubnd, "Ban Quản lý dự án đầu tư xây dựng "+in, ps, flCentre, 40, 80)
	l.add(ubnd, "Báo và Phát thanh, Truyền hình "+short, ps, flCentre, 120, 220)
	l.add(dept["Sở Nội vụ"], "Trung tâm Dịch vụ việc làm "+in, ps, flCentre, 25, 45)
	l.add(dept["Sở Nội vụ"], "Trường Cao đẳng "+short, ps, flSchool, 120, 260)
	yt, gd := dept["Sở Y tế"], dept["Sở Giáo dục và Đào tạo"]
	l.add(yt, "Bệnh viện Đa khoa "+in, ps, flHospital, 500, 1200)
	l.add(yt, "Trung tâm Kiểm soát bệnh tật "+in, ps, flCentre, 80, 150)
	specialised := []string{"Bệnh viện Sản - Nhi", "Bệnh viện Y dược cổ truyền", "Bệnh viện Phổi", "Bệnh viện Tâm thần",
		"Bệnh viện Mắt", "Bệnh viện Phục hồi chức năng", "Bệnh viện Nội tiết"}
	for _, i := range s.Perm(len(specialised))[:s.between(3, 6)] {
		l.add(yt, specialised[i]+" "+in, ps, flHospital, 120, 420)
	}
	l.add(gd, "Trường Trung học phổ thông chuyên "+short, ps, flSchool, 70, 100)
	nn := dept["Sở Nông nghiệp và Môi trường"]
	l.add(nn, "Văn phòng Đăng ký đất đai "+in, ps, flCentre, 80, 200)
	l.add(nn, "Trung tâm Khuyến nông "+in, ps, flCentre, 30, 60)
	l.add(nn, "Chi cục Kiểm lâm "+in, ag, flOffice, 60, 160)
	l.add(nn, "Chi cục Thủy lợi "+in, ag, flOffice, 20, 40)
	vh := dept["Sở Văn hóa, Thể thao và Du lịch"]
	l.add(vh, "Thư viện "+in, ps, flCentre, 20, 40)
	l.add(vh, "Bảo tàng "+in, ps, flCentre, 20, 40)
	l.add(vh, "Trung tâm Văn hóa - Điện ảnh "+in, ps, flCentre, 20, 45)
	l.add(dept["Sở Xây dựng"], "Trung tâm Quy hoạch xây dựng "+in, ps, flCentre, 20, 40)
	for _, d := range districts {
		p := place(d.name)
		l.add(yt, "Trung tâm Y tế khu vực "+p, ps, flHospital, 150, 350)
		for k := range s.between(2, 3) {
			name := "Trường Trung học phổ thông " + p
			if k > 0 {
				name += fmt.Sprintf(" số %d", k+1)
			}
			l.add(gd, name, ps, flSchool, 50, 90)
		}
		if s.chance(0.7) {
			l.add(gd, "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên "+p, ps, flCentre, 20, 40)
		}
	}
	return l
}

// communeUnits are a post-merger commune (its people's committee first) made of a group of
// pre-merger communes: its office, divisions and centres, and per old commune a kindergarten, a
// primary and a lower secondary school and a health station, topped up with more schools to 25-30
// public service units.
func communeUnits(s *stream, group []adminUnit) specs {
	var l specs
	first := group[0]
	kind := "Xã"
	if first.kind == "Phường" {
		kind = "Phường"
	}
	name := kind + " " + placeName(first.name)
	in := lowerFirst(name)
	ps := unit.KindPUBLIC_SERVICE
	ubnd := l.add(-1, "Ủy ban nhân dân "+in, unit.KindPEOPLES_COMMITTEE, flCommittee, 5, 8)
	l[ubnd].code = first.code
	l.add(ubnd, "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân "+in, unit.KindAGENCY, flAdminOffice, 10, 18)
	economy := "Phòng Kinh tế "
	if kind == "Phường" {
		economy = "Phòng Kinh tế, Hạ tầng và Đô thị "
	}
	l.add(ubnd, economy+in, unit.KindDEPARTMENT, flOffice, 6, 12)
	l.add(ubnd, "Phòng Văn hóa - Xã hội "+in, unit.KindDEPARTMENT, flOffice, 6, 12)
	l.add(ubnd, "Trung tâm Phục vụ hành chính công "+in, ps, flCentre, 6, 12)
	l.add(ubnd, "Trung tâm Dịch vụ tổng hợp "+in, ps, flCentre, 8, 15)
	for _, c := range group {
		p := place(c.name)
		l.add(ubnd, "Trường Mầm non "+p, ps, flSchool, 12, 28)
		l.add(ubnd, "Trường Tiểu học "+p, ps, flSchool, 15, 36)
		l.add(ubnd, "Trường Trung học cơ sở "+p, ps, flSchool, 18, 40)
		l.add(ubnd, "Trạm Y tế "+lowerFirst(c.name), ps, flHealthStation, 5, 10)
	}
	target := s.between(26, 31) // the committee and 25-30 others
	for k := 0; len(l) < target; k++ {
		c := group[k%len(group)]
		no := 2 + k/(2*len(group))
		school := "Trường Mầm non "
		if (k/len(group))%2 == 1 {
			school = "Trường Tiểu học "
		}
		l.add(ubnd, fmt.Sprintf("%s%s số %d", school, place(c.name), no), ps, flSchool, 12, 30)
	}
	return l
}

// groupCommunes groups a district's communes by three (four or two at the end), in order.
func groupCommunes(cs []adminUnit) [][]adminUnit {
	var out [][]adminUnit
	for i := 0; i < len(cs); {
		k := 3
		if rem := len(cs) - i; rem <= 4 {
			k = rem
		}
		out = append(out, cs[i:i+k])
		i += k
	}
	return out
}

// caseWeight is how often citizens write about a unit of a flavour, per official.
func caseWeight(fl flavour) float64 {
	switch fl {
	case flAdminOffice, flCentre:
		return 2.5
	case flHospital:
		return 2
	case flOffice, flHealthStation:
		return 1.5
	case flCommittee, flDepartment:
		return 1
	case flSchool:
		return 0.35
	}
	return 0.3
}

// build makes the organisation and the officials, then plans incidents and cases.
func (n *nation) build(r *refs) error {
	for y := 2021; y <= n.now.In(ict).Year(); y++ {
		n.years = append(n.years, y)
	}
	children := map[string][]adminUnit{}
	byName := map[string]adminUnit{}
	for _, u := range r.units {
		if u.level == 1 {
			byName[shortName(u.name)] = u
		} else {
			children[u.parent] = append(children[u.parent], u)
		}
	}
	scale := n.opt.Scale
	childRate := min(1, 100*scale)
	su, sp := n.stream("units"), n.stream("provinces")
	for _, m := range mergers {
		from := mergerDay
		if len(m.from) == 1 {
			from = historicFrom
		}
		name := fullName(m.name)
		p := &natProvince{id: r.provinces[key(m.code, from)], code: m.code, name: name, in: provinceIn(name),
			u0: int32(len(n.units))}
		if p.id == "" {
			return fmt.Errorf("province %s is missing", m.code)
		}
		p.factor = math.Exp(sp.NormFloat64() * 0.35)
		p.trend = -0.085 + sp.NormFloat64()*0.025
		if sp.chance(0.1) {
			p.trend = 0.03 + sp.Float64()*0.04 // a few provinces do worse every year
		}
		pi := int32(len(n.provinces))
		n.provinces = append(n.provinces, p)
		var districts []adminUnit
		var groups [][]adminUnit
		for _, f := range m.from {
			for _, d := range children[byName[f].code] {
				districts = append(districts, d)
				groups = append(groups, groupCommunes(children[d.code])...)
			}
		}
		n.addUnits(su, pi, unit.LevelPROVINCE, provincialUnits(su, p.in, shortName(name), districts), scale)
		for j, g := range groups {
			if keep(j, scale) {
				n.addUnits(su, pi, unit.LevelCOMMUNE, communeUnits(su, g), childRate)
			}
		}
		p.u1 = int32(len(n.units))
	}
	n.staff()
	n.planIncidents()
	n.planCases()
	return nil
}

// addUnits adds the kept units of a list (the first, its head, always) under province pi; a kept
// unit whose parent was not kept hangs under the head.
func (n *nation) addUnits(s *stream, pi int32, level unit.Level, l specs, rate float64) {
	index := make([]int32, len(l))
	head := int32(len(n.units))
	for j, sp := range l {
		index[j] = -1
		if !keep(j, rate) {
			continue
		}
		parent := int32(-1)
		if sp.parent >= 0 {
			if parent = index[sp.parent]; parent < 0 {
				parent = head
			}
		}
		index[j] = int32(len(n.units))
		n.units = append(n.units, natUnit{id: s.id(pid.Unit, systemStart), name: sp.name, code: sp.code, level: level,
			kind: sp.kind, fl: sp.fl, prov: pi, parent: parent, offN: int32(s.between(sp.lo, sp.hi))})
	}
}

// staff makes every unit's officials, leaders first: most in service since before 2020 (entered
// in the registry when the campaign started), about 12% hired since, about 3% gone by now.
func (n *nation) staff() {
	s := n.stream("officials")
	total := 0
	for _, u := range n.units {
		total += int(u.offN)
	}
	n.officials = make([]natOfficial, 0, total)
	today := dayNum(dateOf(n.now))
	lastHire := dateNum(today - 60)
	entered := dayNum(dateOf(systemStart))
	weights := map[flavour][]float64{}
	for ui := range n.units {
		u := &n.units[ui]
		posts := postsOf(u.fl)
		w, ok := weights[u.fl]
		if !ok {
			for _, p := range posts[1] {
				w = append(w, p.w)
			}
			weights[u.fl] = w
		}
		u.off0 = int32(len(n.officials))
		for i := range int(u.offN) {
			o := natOfficial{unit: int32(ui)}
			var from time.Time
			if i < len(posts[0]) {
				o.post = uint8(i)
				from = randDate(s, day(1992, 1, 1), day(2014, 12, 31))
			} else {
				o.post = uint8(len(posts[0]) + weighted(s, w))
				if s.chance(0.12) {
					from = randDate(s, day(2020, 1, 2), lastHire)
				} else {
					from = randDate(s, day(1990, 1, 1), day(2019, 12, 31))
				}
			}
			o.from = dayNum(from)
			if s.chance(0.03) {
				first := maxTime(from.AddDate(1, 0, 0), day(2021, 1, 1))
				if last := dateNum(today - 1); !first.After(last) {
					o.to = dayNum(randDate(s, first, last))
				}
			}
			created := systemStart.Add(time.Duration(len(n.officials)) * time.Millisecond)
			if o.from > entered {
				created = at(from, 7, 30)
			}
			o.id = s.id(pid.Official, created)
			n.officials = append(n.officials, o)
		}
	}
	for _, p := range n.provinces {
		p.o0, p.o1 = n.units[p.u0].off0, n.units[p.u1-1].off0+n.units[p.u1-1].offN
		var sum float64
		p.caseWeights = make([]float64, 0, p.u1-p.u0)
		for _, u := range n.units[p.u0:p.u1] {
			sum += caseWeight(u.fl) * float64(u.offN)
			p.caseWeights = append(p.caseWeights, sum)
		}
	}
}

// officialCreated is when an official's record was entered (the time of its id).
func (n *nation) officialCreated(i int) time.Time {
	o := &n.officials[i]
	if o.from > dayNum(dateOf(systemStart)) {
		return at(o.fromDate(), 7, 30)
	}
	return systemStart.Add(time.Duration(i) * time.Millisecond)
}

// employeeCode is an official's code in the national registry.
func (n *nation) employeeCode(i int) string {
	p := n.provinces[n.units[n.officials[i].unit].prov]
	return fmt.Sprintf("%s-%07d", p.code, i-int(p.o0)+1)
}

// category returns an official's category.
func (n *nation) category(o *natOfficial) official.Category {
	return postOf(n.units[o.unit].fl, o.post).cat
}
