package review

import (
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Sheet names and headers of the exports (Vietnamese, as the people reading them work).
const (
	sheetProgress = "Tiến độ"
	sheetRanking  = "Xếp hạng đơn vị"
	sheetFinal    = "Tổng kết 2021-2026"
	sheetInfo     = "Thông tin"
)

var (
	headerProgress = []string{"Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Công thức"}
	headerRanking  = []string{"Hạng", "Đơn vị", "Số CBCCVC", "Tỷ lệ nhận thức", "Tỷ lệ cam kết", "Tỷ lệ tự đánh giá", "Tỷ lệ vi phạm/1000"}
	headerFinal    = []string{"Năm", "Nguồn số liệu", "Số CBCCVC", "Số đơn vị", "Tỷ lệ nhận thức", "Tỷ lệ cam kết",
		"Tỷ lệ đăng ký thi đua", "Tỷ lệ tự đánh giá", "Vụ việc nhận được", "Tỷ lệ giải quyết đúng hạn",
		"Tỷ lệ vi phạm", "Tỷ lệ vi phạm/1000", "Mức giảm tỷ lệ vi phạm", "Kết quả giảm", "Khen thưởng được duyệt"}
	headerInfo = []string{"Mục", "Giá trị"}
)

// pct is a rate: a percentage cell in XLSX, a decimal fraction in CSV.
type pct float64

// table is one sheet of a workbook (one block of a CSV). A cell is nil (empty), a string, an
// int, an int64, a float64 or a pct.
type table struct {
	sheet  string
	header []string
	rows   [][]any
}

func (t *table) add(cells ...any) { t.rows = append(t.rows, cells) }

func num(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func rate(p *float64) any {
	if p == nil {
		return nil
	}
	return pct(*p)
}

func float(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func perThousand(p *float64) any {
	if p == nil {
		return nil
	}
	return *p * 1000
}

// progressTable is every figure of a report, one row each, with its formula.
func progressTable(r *progress.Report) table {
	t := table{sheet: sheetProgress, header: headerProgress}
	count := func(name string, n any, formula string) { t.add(name, n, nil, nil, formula) }
	metric := func(name string, m progress.Metric, formula string) {
		t.add(name, num(m.Numerator), m.Denominator, rate(m.Rate), formula)
	}
	count("Số CBCCVC", r.Headcount, "CBCCVC trong phạm vi đang công tác vào ngày tham chiếu")
	count("Số đơn vị", r.Units, "Đơn vị trong phạm vi (kể cả đơn vị trực thuộc)")
	metric("Tỷ lệ nhận thức", r.Awareness, "CBCCVC đã xác nhận cuộc vận động đến ngày tham chiếu / Số CBCCVC")
	t.add("Mục tiêu nhận thức (giai đoạn 1)", nil, nil, pct(r.AwarenessTarget.Target),
		"Tỷ lệ nhận thức = 100%: "+met(r.AwarenessTarget.Met))
	metric("Tỷ lệ cam kết", r.Pledge, "CBCCVC có cam kết của năm đã ký, không rút / Số CBCCVC")
	metric("Tỷ lệ đăng ký thi đua", r.Registration, "Đơn vị đăng ký thi đua của năm / Số đơn vị")
	metric("Tỷ lệ tự đánh giá", r.SelfAssessment, "CBCCVC có bản tự đánh giá năm đã nộp hoặc đã duyệt / Số CBCCVC")
	for _, c := range r.Classifications {
		count("Xếp loại: "+classificationName(c.Classification), c.Count,
			"Bản tự đánh giá năm đã duyệt của CBCCVC trong số CBCCVC, theo xếp loại cuối cùng")
	}
	if cs := r.Cases; cs != nil {
		count("Vụ việc nhận được", cs.Received, "Vụ việc nhận trong năm (giờ Việt Nam) về đơn vị trong phạm vi")
		for _, c := range cs.ByChannel {
			count("Theo kênh: "+channelName(c.Channel), c.Count, "Vụ việc nhận trong năm qua kênh này")
		}
		for _, c := range cs.ByCategory {
			count("Theo nội dung: "+categoryName(c.Category), c.Count, "Vụ việc nhận trong năm có nội dung này")
		}
		for _, c := range cs.ByState {
			count("Theo trạng thái: "+stateName(c.State), c.Count, "Vụ việc nhận trong năm đang ở trạng thái này")
		}
		count("Quá hạn hiện tại", cs.OverdueNow, "Vụ việc đang mở đã quá thời hạn hiện hành")
		metric("Tỷ lệ giải quyết đúng hạn", cs.OnTime, "Vụ việc kết luận trong thời hạn / Vụ việc đã kết luận có thời hạn")
		count("Lượt đánh giá mức hài lòng", cs.Satisfaction.Rated, "Vụ việc đã đóng được người dân đánh giá (1-5)")
		t.add("Mức hài lòng trung bình (1-5)", nil, nil, float(cs.Satisfaction.Mean), "Tổng điểm đánh giá / Lượt đánh giá")
	}
	metric("Tỷ lệ vi phạm", r.Negativity, "CBCCVC có ít nhất một vi phạm trong năm / Số CBCCVC")
	t.add("Tỷ lệ vi phạm trên 1.000 CBCCVC", nil, nil, float(r.NegativityPerThousand), "Tỷ lệ vi phạm × 1.000")
	rd := r.Reduction
	t.add("Tỷ lệ vi phạm năm trước", nil, nil, rate(rd.PreviousRate), "Tỷ lệ vi phạm của năm trước")
	t.add("Mức giảm tỷ lệ vi phạm", nil, nil, rate(rd.Value), "1 - Tỷ lệ vi phạm năm / Tỷ lệ vi phạm năm trước")
	t.add("Mục tiêu giảm (tối thiểu)", nil, nil, pct(rd.TargetLow), "Giảm ít nhất 5% mỗi năm")
	t.add("Mục tiêu giảm (tối đa)", nil, nil, pct(rd.TargetHigh), "Giảm đến 10% mỗi năm")
	t.add("Kết quả giảm", nil, nil, nil, reductionName(rd.Status))
	if cm := r.Commendations; cm != nil {
		count("Khen thưởng được duyệt", cm.Total, "Khen thưởng đã duyệt của năm cho CBCCVC và đơn vị trong phạm vi")
		for _, c := range cm.ByForm {
			count("Theo hình thức: "+formName(c.Form), c.Count, "Khen thưởng đã duyệt của năm theo hình thức")
		}
		for _, c := range cm.ByLevel {
			count("Theo cấp: "+levelName(c.Level), c.Count, "Khen thưởng đã duyệt của năm theo cấp khen")
		}
	}
	return t
}

// rankingTable lists the units (or provinces) under a scope in the order of the first ranking,
// with the values of the others joined by scope.
func rankingTable(order []progress.Entry, others map[progress.RankMetric][]progress.Entry) table {
	t := table{sheet: sheetRanking, header: headerRanking}
	values := map[progress.RankMetric]map[string]*float64{}
	for m, entries := range others {
		values[m] = map[string]*float64{}
		for _, e := range entries {
			values[m][scopeKey(e.Scope)] = e.Value
		}
	}
	for _, e := range order {
		k := scopeKey(e.Scope)
		t.add(e.Rank, e.Scope.Name, e.Headcount, rate(values[progress.RankAwareness][k]),
			rate(values[progress.RankPledge][k]), rate(values[progress.RankSelfAssessment][k]), perThousand(e.Value))
	}
	return t
}

func scopeKey(r progress.ScopeRef) string {
	if r.ID == nil {
		return string(r.Kind)
	}
	return string(r.Kind) + ":" + *r.ID
}

// finalTable is one row per year of the final review, the main figures as columns.
func finalTable(f *Final) table {
	t := table{sheet: sheetFinal, header: headerFinal}
	for _, row := range f.Rows {
		r := row.Figures
		source := "Số liệu hiện tại"
		if row.Review != nil {
			source = fmt.Sprintf("Sơ kết phiên bản %d (%s)", row.Review.Version, vnTime(row.Review.ClosedAt))
		}
		var received, onTime, commendations any
		if r.Cases != nil {
			received, onTime = r.Cases.Received, rate(r.Cases.OnTime.Rate)
		}
		if r.Commendations != nil {
			commendations = r.Commendations.Total
		}
		t.add(row.Year, source, r.Headcount, r.Units, rate(r.Awareness.Rate), rate(r.Pledge.Rate),
			rate(r.Registration.Rate), rate(r.SelfAssessment.Rate), received, onTime, rate(r.Negativity.Rate),
			float(r.NegativityPerThousand), rate(r.Reduction.Value), reductionName(r.Reduction.Status), commendations)
	}
	return t
}

// infoTable says what a file holds: scope, year, reference date, and for a review its version.
func infoTable(title string, scope progress.ScopeRef, r *progress.Report, rv *ent.Review, exported time.Time) table {
	t := table{sheet: sheetInfo, header: headerInfo}
	t.add("Nội dung", title)
	t.add("Phạm vi", scope.Name)
	t.add("Loại phạm vi", scopeKindName(scope.Kind))
	if r != nil {
		t.add("Năm", r.Year)
		t.add("Ngày tham chiếu", r.AsOf.In(workdays.Vietnam).Format("02/01/2006"))
		if r.Suppressed {
			t.add("Số liệu bị ẩn", "Có: phạm vi dưới 10 CBCCVC, chỉ hiện số CBCCVC và số đơn vị")
		}
	}
	if rv != nil {
		t.add("Phiên bản sơ kết", rv.Version)
		t.add("Thời điểm chốt", vnTime(rv.ClosedAt))
		reason := ""
		if rv.Reason != nil {
			reason = *rv.Reason
		}
		t.add("Lý do chốt lại", reason)
	}
	t.add("Thời điểm xuất", vnTime(exported))
	return t
}

func vnTime(t time.Time) string {
	return t.In(workdays.Vietnam).Format("02/01/2006 15:04") + " (giờ Việt Nam)"
}

func met(b *bool) string {
	switch {
	case b == nil:
		return "không xác định"
	case *b:
		return "đạt"
	}
	return "chưa đạt"
}

func scopeKindName(k authz.ScopeKind) string {
	switch k {
	case authz.ScopeUnit:
		return "Đơn vị (kể cả đơn vị trực thuộc)"
	case authz.ScopeDistrict:
		return "Huyện"
	case authz.ScopeProvince:
		return "Tỉnh"
	case authz.ScopeNation:
		return "Toàn quốc"
	}
	return string(k)
}

func reductionName(s progress.ReductionStatus) string {
	switch s {
	case progress.ReductionMet:
		return "Đạt (giảm từ 5% trở lên)"
	case progress.ReductionNotMet:
		return "Chưa đạt (giảm dưới 5%)"
	case progress.ReductionNoBaseline:
		return "Chưa có cơ sở so sánh"
	}
	return string(s)
}

func classificationName(c *enum.Classification) string {
	if c == nil {
		return "Không xếp loại (dưới 6 tháng công tác)"
	}
	switch *c {
	case enum.ClassificationExcellent:
		return "Hoàn thành xuất sắc nhiệm vụ"
	case enum.ClassificationGood:
		return "Hoàn thành tốt nhiệm vụ"
	case enum.ClassificationCompleted:
		return "Hoàn thành nhiệm vụ"
	case enum.ClassificationNotCompleted:
		return "Không hoàn thành nhiệm vụ"
	}
	return string(*c)
}

func channelName(c enum.Channel) string {
	switch c {
	case enum.ChannelFeedback:
		return "Phản ánh, kiến nghị"
	case enum.ChannelDenunciation:
		return "Tố cáo"
	case enum.ChannelPraise:
		return "Khen ngợi"
	}
	return string(c)
}

func categoryName(c *enum.Category) string {
	if c == nil {
		return "Không phân loại (khen ngợi)"
	}
	switch *c {
	case enum.CategoryNoArrogance:
		return "Cửa quyền, hách dịch, gây khó khăn, phiền hà"
	case enum.CategoryNoBureaucracy:
		return "Quan liêu, vô cảm, vô trách nhiệm"
	case enum.CategoryNoCorruption:
		return "Tham nhũng, lãng phí, lợi ích nhóm"
	case enum.CategoryNoFlattery:
		return "Xu nịnh, chạy chọt, gian dối"
	case enum.CategoryNoAbuseOfPower:
		return "Lợi dụng chức vụ, quyền hạn"
	case enum.CategoryOther:
		return "Khác"
	}
	return string(*c)
}

func stateName(s enum.CaseState) string {
	switch s {
	case enum.CaseSubmitted:
		return "Mới tiếp nhận"
	case enum.CaseAccepted:
		return "Đã thụ lý"
	case enum.CaseRejected:
		return "Không thụ lý"
	case enum.CaseTransferred:
		return "Đã chuyển đơn vị có thẩm quyền"
	case enum.CaseVerifying:
		return "Đang xác minh"
	case enum.CaseConcluded:
		return "Đã kết luận"
	case enum.CaseClosed:
		return "Đã đóng"
	case enum.CaseWithdrawn:
		return "Đã rút"
	case enum.CaseDuplicate:
		return "Trùng lặp"
	}
	return string(s)
}

func formName(f commendation.Form) string {
	switch f {
	case commendation.FormGIAY_KHEN:
		return "Giấy khen"
	case commendation.FormBANG_KHEN:
		return "Bằng khen"
	case commendation.FormLAO_DONG_TIEN_TIEN:
		return "Lao động tiên tiến"
	case commendation.FormCHIEN_SI_THI_DUA_CO_SO:
		return "Chiến sĩ thi đua cơ sở"
	case commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN:
		return "Tập thể lao động tiên tiến"
	case commendation.FormPUBLIC_PRAISE:
		return "Biểu dương"
	}
	return string(f)
}

func levelName(l commendation.Level) string {
	switch l {
	case commendation.LevelCENTRAL:
		return "Trung ương"
	case commendation.LevelPROVINCE:
		return "Tỉnh"
	case commendation.LevelDISTRICT:
		return "Huyện"
	case commendation.LevelUNIT:
		return "Đơn vị"
	}
	return string(l)
}
