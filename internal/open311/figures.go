package open311

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// The open figures (DESIGN.md §13): a CSV per month of the cases closed, by province, channel and
// category, and a CSV per year of each province's published progress figures. Both follow the
// small-cell rule (authz.MinPublishedOfficials): the cases of a unit with fewer officials are not
// counted, and a province's rates are left empty under it.

// FiguresPrefix is where the open figures are served.
const FiguresPrefix = "/open-data/"

// firstMonth is the first month the figures cover (the campaign's plan began in 2020).
var firstMonth = time.Date(2020, 1, 1, 0, 0, 0, 0, workdays.Vietnam)

// ClosedCasesCSV is the month's closed cases (closing time in Vietnam time) by the province of
// their unit, channel and category: month, province_code, province_name, channel, category,
// closed_cases. Only cases of units with at least MinPublishedOfficials officials in service count.
func (s *Service) ClosedCasesCSV(ctx context.Context, month time.Time) ([]byte, error) {
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, workdays.Vietnam)
	to := from.AddDate(0, 1, 0)
	cs, us, ps := entsql.Table(citizencase.Table).As("c"), entsql.Table(unit.Table).As("u"), entsql.Table(province.Table).As("p")
	q := entsql.Dialect(s.dialect).Select(ps.C(province.FieldCode), ps.C(province.FieldName), cs.C(citizencase.FieldChannel),
		cs.C(citizencase.FieldCategory), entsql.Count("*")).From(cs).
		Join(us).On(us.C(unit.FieldID), cs.C(citizencase.UnitColumn)).
		Join(ps).On(ps.C(province.FieldID), us.C(unit.ProvinceColumn))
	// Compared in UTC: SQLite compares the stored text.
	q.Where(entsql.And(entsql.EQ(cs.C(citizencase.FieldState), string(enum.CaseClosed)),
		entsql.GTE(cs.C(citizencase.FieldClosedAt), from.UTC()), entsql.LT(cs.C(citizencase.FieldClosedAt), to.UTC()),
		authz.UnitPublished(cs.C(citizencase.UnitColumn), s.now())))
	q.GroupBy(ps.C(province.FieldCode), ps.C(province.FieldName), cs.C(citizencase.FieldChannel), cs.C(citizencase.FieldCategory)).
		OrderBy(ps.C(province.FieldCode), ps.C(province.FieldName), cs.C(citizencase.FieldChannel), cs.C(citizencase.FieldCategory))
	query, args := q.Query()
	pool := s.sql
	if s.reader != nil {
		pool = s.reader(ctx) // the standby's for the open figures (lag-tolerant, server.New)
	}
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"month", "province_code", "province_name", "channel", "category", "closed_cases"})
	m := from.Format("2006-01")
	for rows.Next() {
		var code, name, channel string
		var cat sql.NullString
		var n int64
		if err := rows.Scan(&code, &name, &channel, &cat, &n); err != nil {
			return nil, err
		}
		_ = w.Write([]string{m, code, name, channel, cat.String, strconv.FormatInt(n, 10)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// ProgressCSV is each province's published progress figures for a year (the provinces in force on
// the year's reference day: the 34 from July 2025, the 63 before), as progress computes them. A
// province with fewer than MinPublishedOfficials officials gets its counts but no rates.
func (s *Service) ProgressCSV(ctx context.Context, year int) ([]byte, error) {
	ref := progress.ReferenceDay(year, s.now()).UTC()
	provs, err := s.client.Province.Query().Where(province.ValidFromLTE(ref),
		province.Or(province.ValidToIsNil(), province.ValidToGT(ref))).Order(province.ByCode()).All(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"year", "province_code", "province_name", "headcount", "units", "awareness_rate", "pledge_rate",
		"registration_rate", "self_assessment_rate", "cases_received", "negativity_per_1000", "reduction", "reduction_status"})
	rate := func(v *float64, hide bool) string {
		if v == nil || hide {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 4, 64)
	}
	reports, err := s.prog.ProvinceFigures(ctx, provs, year)
	if err != nil {
		return nil, err
	}
	for i, p := range provs {
		r := reports[i]
		hide := r.Headcount < authz.MinPublishedOfficials
		received := int64(0)
		if r.Cases != nil {
			received = r.Cases.Received
		}
		status := string(r.Reduction.Status)
		if hide {
			status = ""
		}
		_ = w.Write([]string{strconv.Itoa(year), p.Code, p.Name, strconv.FormatInt(r.Headcount, 10), strconv.FormatInt(r.Units, 10),
			rate(r.Awareness.Rate, hide), rate(r.Pledge.Rate, hide), rate(r.Registration.Rate, hide), rate(r.SelfAssessment.Rate, hide),
			strconv.FormatInt(received, 10), rate(r.NegativityPerThousand, hide), rate(r.Reduction.Value, hide), status})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// FiguresHandler serves GET /open-data/closed-cases/YYYY-MM.csv and /open-data/progress/YYYY.csv,
// cached and limited like GeoReport.
func (s *Service) FiguresHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		en := apperr.Lang(ctx) == "en"
		fail := func(status int, vi, eng string) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			if en {
				_, _ = w.Write([]byte(eng + "\n"))
			} else {
				_, _ = w.Write([]byte(vi + "\n"))
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			fail(http.StatusMethodNotAllowed, "Phương thức không được hỗ trợ.", "Method not allowed.")
			return
		}
		if s.read != nil && !ratelimit.IsExempt(ctx) {
			if ok, wait, err := s.read.Allow(ctx, ratelimit.AddressKey(authz.ClientIP(ctx))); err != nil {
				s.log.ErrorContext(ctx, "open figures rate limit", "error", err.Error())
				fail(http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
				return
			} else if !ok {
				secs := max(int(wait.Round(time.Second)/time.Second), 1)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				fail(http.StatusTooManyRequests, "Quá nhiều yêu cầu; vui lòng thử lại sau "+strconv.Itoa(secs)+" giây.",
					"Too many requests; try again in "+strconv.Itoa(secs)+" seconds.")
				return
			}
		}
		path, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, FiguresPrefix), ".csv")
		if !ok {
			fail(http.StatusNotFound, "Không có tài nguyên này.", "No such resource.")
			return
		}
		now := s.now().In(workdays.Vietnam)
		key := "figures|" + path
		if e, ok := s.cache.get(key); ok {
			s.writeCSV(w, path, e.body)
			return
		}
		var body []byte
		var err error
		switch kind, arg, _ := strings.Cut(path, "/"); kind {
		case "closed-cases":
			m, perr := time.ParseInLocation("2006-01", arg, workdays.Vietnam)
			if perr != nil || m.Before(firstMonth) || m.After(now) {
				fail(http.StatusBadRequest, "Tháng theo dạng YYYY-MM, từ 2020-01 đến tháng này.",
					"The month is YYYY-MM, from 2020-01 to this month.")
				return
			}
			body, err = s.ClosedCasesCSV(ctx, m)
		case "progress":
			y, perr := strconv.Atoi(arg)
			if perr != nil || s.prog.CheckYear(y) != nil || y > now.Year() {
				fail(http.StatusBadRequest, "Năm không hợp lệ (từ 2020 đến năm nay).", "Not a valid year (2020 to this year).")
				return
			}
			body, err = s.ProgressCSV(ctx, y)
		default:
			fail(http.StatusNotFound, "Không có tài nguyên này.", "No such resource.")
			return
		}
		if err != nil {
			s.log.ErrorContext(ctx, "open figures", "error", err.Error())
			fail(http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
			return
		}
		s.cache.put(key, entry{status: http.StatusOK, body: body})
		s.writeCSV(w, path, body)
	})
}

func (s *Service) writeCSV(w http.ResponseWriter, path string, body []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(path, "/", "-")+`.csv"`)
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(s.cache.ttl.Seconds())))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(body)
}
