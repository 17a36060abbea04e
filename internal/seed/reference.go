package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// The official lists: every province, district and commune as of March 2025 (level 1, 2, 3), and the
// 34 provinces from 1 July 2025.
var (
	//go:embed data/vn-admin-units.csv
	adminUnitsCSV []byte
	//go:embed data/vn-provinces-2025-07.csv
	provinces2025CSV []byte
)

var (
	// historicFrom is the valid_from of the provinces and districts of before the merger: the lists
	// carry no founding dates, so every one gets the start of the 63-province map (Hà Tây joined Hà
	// Nội on 1 August 2008).
	historicFrom = day(2008, time.August, 1)
	// mergerDay is the day 63 provinces became 34 and the district level ended (Resolution
	// 202/2025/QH15).
	mergerDay = day(2025, time.July, 1)
)

// merger is a province from 1 July 2025 and the provinces of before it that formed it, named as in
// data/vn-admin-units.csv without the "Tỉnh " or "Thành phố " in front. A province formed from one
// (itself) did not change: it keeps its one record.
type merger struct {
	code, name string
	from       []string
}

// mergers is Resolution 202/2025/QH15 (code and name as in data/vn-provinces-2025-07.csv).
var mergers = []merger{
	{"01", "Thành phố Hà Nội", []string{"Hà Nội"}},
	{"04", "Cao Bằng", []string{"Cao Bằng"}},
	{"08", "Tuyên Quang", []string{"Tuyên Quang", "Hà Giang"}},
	{"11", "Điện Biên", []string{"Điện Biên"}},
	{"12", "Lai Châu", []string{"Lai Châu"}},
	{"14", "Sơn La", []string{"Sơn La"}},
	{"15", "Lào Cai", []string{"Lào Cai", "Yên Bái"}},
	{"19", "Thái Nguyên", []string{"Thái Nguyên", "Bắc Kạn"}},
	{"20", "Lạng Sơn", []string{"Lạng Sơn"}},
	{"22", "Quảng Ninh", []string{"Quảng Ninh"}},
	{"24", "Bắc Ninh", []string{"Bắc Ninh", "Bắc Giang"}},
	{"25", "Phú Thọ", []string{"Phú Thọ", "Vĩnh Phúc", "Hoà Bình"}},
	{"31", "Thành phố Hải Phòng", []string{"Hải Phòng", "Hải Dương"}},
	{"33", "Hưng Yên", []string{"Hưng Yên", "Thái Bình"}},
	{"37", "Ninh Bình", []string{"Ninh Bình", "Hà Nam", "Nam Định"}},
	{"38", "Thanh Hóa", []string{"Thanh Hóa"}},
	{"40", "Nghệ An", []string{"Nghệ An"}},
	{"42", "Hà Tĩnh", []string{"Hà Tĩnh"}},
	{"44", "Quảng Trị", []string{"Quảng Trị", "Quảng Bình"}},
	{"46", "Thành phố Huế", []string{"Huế"}},
	{"48", "Thành phố Đà Nẵng", []string{"Đà Nẵng", "Quảng Nam"}},
	{"51", "Quảng Ngãi", []string{"Quảng Ngãi", "Kon Tum"}},
	{"52", "Gia Lai", []string{"Gia Lai", "Bình Định"}},
	{"56", "Khánh Hòa", []string{"Khánh Hòa", "Ninh Thuận"}},
	{"66", "Đắk Lắk", []string{"Đắk Lắk", "Phú Yên"}},
	{"68", "Lâm Đồng", []string{"Lâm Đồng", "Đắk Nông", "Bình Thuận"}},
	{"75", "Đồng Nai", []string{"Đồng Nai", "Bình Phước"}},
	{"79", "Thành phố Hồ Chí Minh", []string{"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}},
	{"80", "Tây Ninh", []string{"Tây Ninh", "Long An"}},
	{"82", "Đồng Tháp", []string{"Đồng Tháp", "Tiền Giang"}},
	{"86", "Vĩnh Long", []string{"Vĩnh Long", "Bến Tre", "Trà Vinh"}},
	{"91", "An Giang", []string{"An Giang", "Kiên Giang"}},
	{"92", "Thành phố Cần Thơ", []string{"Cần Thơ", "Sóc Trăng", "Hậu Giang"}},
	{"96", "Cà Mau", []string{"Cà Mau", "Bạc Liêu"}},
}

// adminUnit is a row of data/vn-admin-units.csv.
type adminUnit struct {
	level                    int
	code, name, kind, parent string
}

func parseAdminUnits() ([]adminUnit, error) {
	rows, err := csv.NewReader(bytes.NewReader(adminUnitsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("vn-admin-units.csv: %w", err)
	}
	out := make([]adminUnit, 0, len(rows))
	for i, r := range rows[1:] {
		if len(r) != 5 {
			return nil, fmt.Errorf("vn-admin-units.csv line %d: %d fields", i+2, len(r))
		}
		lv, err := strconv.Atoi(r[0])
		if err != nil || lv < 1 || lv > 3 {
			return nil, fmt.Errorf("vn-admin-units.csv line %d: level %q", i+2, r[0])
		}
		out = append(out, adminUnit{level: lv, code: r[1], name: r[2], kind: r[3], parent: r[4]})
	}
	return out, nil
}

func parseProvinces2025() ([][2]string, error) {
	rows, err := csv.NewReader(bytes.NewReader(provinces2025CSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("vn-provinces-2025-07.csv: %w", err)
	}
	out := make([][2]string, 0, len(rows))
	for _, r := range rows[1:] {
		out = append(out, [2]string{r[0], r[1]})
	}
	return out, nil
}

// shortName drops the "Tỉnh " or "Thành phố " in front of a province's name.
func shortName(name string) string {
	for _, p := range []string{"Tỉnh ", "Thành phố "} {
		if s, ok := strings.CutPrefix(name, p); ok {
			return s
		}
	}
	return name
}

// fullName returns the official name of a province of the 2025 list, which leaves out "Tỉnh".
func fullName(name string) string {
	if strings.HasPrefix(name, "Thành phố ") || strings.HasPrefix(name, "Tỉnh ") {
		return name
	}
	return "Tỉnh " + name
}

func provinceKind(name string) province.Kind {
	if strings.HasPrefix(name, "Thành phố") {
		return province.KindMUNICIPALITY
	}
	return province.KindPROVINCE
}

// provinceRow is one province record to be: a province of before the merger (with its successor,
// if merged) or a new one of 1 July 2025.
type provinceRow struct {
	code, name string
	from       time.Time
	to         *time.Time
	successor  string // key of the successor
}

func key(code string, from time.Time) string { return code + "@" + from.UTC().Format(time.DateOnly) }

// provinceRows turns the lists and the merger table into the province records: the 23 provinces new
// on 1 July 2025 first (successors before the provinces pointing at them), then the 63 older ones.
func provinceRows(units []adminUnit, after [][2]string) ([]provinceRow, error) {
	newName := map[string]string{}
	for _, p := range after {
		newName[p[0]] = p[1]
	}
	if len(after) != 34 || len(newName) != 34 {
		return nil, fmt.Errorf("vn-provinces-2025-07.csv: want 34 provinces, got %d", len(after))
	}
	byName := map[string]adminUnit{}
	var old []adminUnit
	for _, u := range units {
		if u.level == 1 {
			old = append(old, u)
			byName[shortName(u.name)] = u
		}
	}
	if len(old) != 63 || len(byName) != 63 {
		return nil, fmt.Errorf("vn-admin-units.csv: want 63 provinces, got %d", len(old))
	}
	succ := map[string]merger{} // old code -> merger
	var rows []provinceRow
	seen := map[string]bool{}
	for _, m := range mergers {
		if n, ok := newName[m.code]; !ok || n != m.name {
			return nil, fmt.Errorf("merger table: %s %q is not in vn-provinces-2025-07.csv (%q)", m.code, m.name, n)
		}
		if seen[m.code] {
			return nil, fmt.Errorf("merger table: %s twice", m.code)
		}
		seen[m.code] = true
		for _, f := range m.from {
			u, ok := byName[f]
			if !ok {
				return nil, fmt.Errorf("merger table: %q is not a province of vn-admin-units.csv", f)
			}
			if _, dup := succ[u.code]; dup {
				return nil, fmt.Errorf("merger table: %q merged twice", f)
			}
			succ[u.code] = m
		}
		if len(m.from) == 1 {
			if u := byName[m.from[0]]; u.code != m.code {
				return nil, fmt.Errorf("merger table: unchanged %s %q was %s", m.code, m.name, u.code)
			}
			continue
		}
		rows = append(rows, provinceRow{code: m.code, name: fullName(m.name), from: mergerDay})
	}
	if len(succ) != 63 || len(seen) != 34 {
		return nil, fmt.Errorf("merger table covers %d of 63 old and %d of 34 new provinces", len(succ), len(seen))
	}
	for _, u := range old {
		m := succ[u.code]
		r := provinceRow{code: u.code, name: u.name, from: historicFrom}
		if len(m.from) == 1 {
			r.name = fullName(m.name) // one record, under the newer name
		} else {
			to := mergerDay
			r.to, r.successor = &to, key(m.code, mergerDay)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// refs is what the demo needs of the reference data.
type refs struct {
	units     []adminUnit
	provinces map[string]string // key(code, valid_from) -> id
	districts map[string]string // key(code, valid_from) -> id
}

func reference(ctx context.Context, c *ent.Client) (Stats, *refs, error) {
	var st Stats
	units, err := parseAdminUnits()
	if err != nil {
		return st, nil, err
	}
	after, err := parseProvinces2025()
	if err != nil {
		return st, nil, err
	}
	rows, err := provinceRows(units, after)
	if err != nil {
		return st, nil, err
	}
	r := &refs{units: units, provinces: map[string]string{}, districts: map[string]string{}}

	existing, err := c.Province.Query().All(ctx)
	if err != nil {
		return st, nil, err
	}
	for _, p := range existing {
		r.provinces[key(p.Code, p.ValidFrom)] = p.ID
	}
	// Ids are drawn for every row, existing or not, so that they do not depend on what exists.
	s := newStream("reference/provinces")
	var creates []*ent.ProvinceCreate
	for _, p := range rows {
		id := s.id(pid.Province, p.from)
		k := key(p.code, p.from)
		if _, ok := r.provinces[k]; ok {
			continue
		}
		r.provinces[k] = id
		updated := p.from
		if p.to != nil {
			updated = *p.to
		}
		b := c.Province.Create().SetID(id).SetCode(p.code).SetName(p.name).SetKind(provinceKind(p.name)).
			SetValidFrom(p.from).SetNillableValidTo(p.to).SetCreatedAt(p.from).SetUpdatedAt(updated)
		if p.successor != "" {
			b.SetSuccessorID(r.provinces[p.successor])
		}
		creates = append(creates, b)
	}
	if len(creates) > 0 {
		if err := c.Province.CreateBulk(creates...).Exec(ctx); err != nil {
			return st, nil, fmt.Errorf("provinces: %w", err)
		}
	}
	st.Provinces = len(creates)

	existingD, err := c.District.Query().All(ctx)
	if err != nil {
		return st, nil, err
	}
	for _, d := range existingD {
		r.districts[key(d.Code, d.ValidFrom)] = d.ID
	}
	s = newStream("reference/districts")
	var errp error
	sk := newSink(&errp, func(ctx context.Context, b []*ent.DistrictCreate) error {
		return c.District.CreateBulk(b...).Exec(ctx)
	})
	for _, u := range units {
		if u.level != 2 {
			continue
		}
		id := s.id(pid.District, historicFrom)
		k := key(u.code, historicFrom)
		if _, ok := r.districts[k]; ok {
			continue
		}
		r.districts[k] = id
		sk.add(ctx, c.District.Create().SetID(id).SetCode(u.code).SetName(u.name).SetKind(u.kind).
			SetValidFrom(historicFrom).SetValidTo(mergerDay).SetCreatedAt(historicFrom).SetUpdatedAt(mergerDay).
			SetProvinceID(r.provinces[key(u.parent, historicFrom)]))
	}
	if err := sk.flush(ctx); err != nil {
		return st, nil, fmt.Errorf("districts: %w", err)
	}
	st.Districts = sk.n
	return st, r, nil
}
