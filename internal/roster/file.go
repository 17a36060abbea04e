// Package roster imports a scope's roster of officials from a CSV or XLSX file (DESIGN.md §11): the
// template, the file's rows checked whole (every error by row and column, in Vietnamese and
// English), the plan of what would change (created, updated, transferred, ended, unchanged), and
// its application, all or nothing and idempotent, set-based so that a large province's roster
// (120,000 rows) imports in well under two minutes. An import runs in the background with its
// progress recorded on a RosterImport; two imports of one scope never interleave.
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Column is one column of the template.
type Column struct {
	Key      string // the column's English key, accepted as a header too
	Header   string // the Vietnamese header of the template
	Required bool
	Note     string // how to fill it (Vietnamese, for the template's notes)
}

// Columns are the template's columns, in order.
var Columns = []Column{
	{"unit_code", "Mã đơn vị", true, "Mã của đơn vị (hoặc mã định danh unt_...) trong phạm vi nhập"},
	{"employee_code", "Mã cán bộ", true, "Mã cán bộ, duy nhất toàn quốc (tên đăng nhập)"},
	{"full_name", "Họ và tên", true, "Họ và tên đầy đủ"},
	{"position", "Chức vụ", false, "Chức vụ, chức danh"},
	{"category", "Loại", true, "CAN_BO (Cán bộ), CONG_CHUC (Công chức), VIEN_CHUC (Viên chức) hoặc CONTRACT (Hợp đồng)"},
	{"start_date", "Ngày bắt đầu", true, "Ngày bắt đầu công tác: YYYY-MM-DD hoặc DD/MM/YYYY"},
	{"end_date", "Ngày kết thúc", false, "Ngày cuối cùng công tác, nếu đã nghỉ"},
	{"contact", "Liên hệ", false, "Số di động (0912345678 hoặc +84912345678) hoặc địa chỉ e-mail, để nhận mã kích hoạt"},
}

const (
	colUnit = iota
	colCode
	colName
	colPosition
	colCategory
	colStart
	colEnd
	colContact
)

// MaxRows bounds the rows of one file (a merged province has about 100,000 officials).
const MaxRows = 300000

// maxUnzipBytes bounds what an XLSX file may expand to (excelize's own default is 16 GB: a 50 MB
// upload of a zip bomb would otherwise be inflated whole). 300,000 rows of eight text cells take
// well under this.
var maxUnzipBytes int64 = 1 << 30

// Row is one official as the file gives it, checked.
type Row struct {
	Line         int // row of the file: 1 is the header
	UnitCode     string
	EmployeeCode string
	FullName     string
	Position     string
	Category     official.Category
	Start        time.Time  // midnight, Vietnam
	End          *time.Time // midnight, Vietnam
	Phone, Email string     // normalised contact
}

// Issue is an error of a file, by row and column.
type Issue struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Code   string `json:"code"`
	VI     string `json:"vi"`
	EN     string `json:"en"`
}

// issue makes an Issue; args are the Vietnamese message's then the English one's, or, when there
// are only as many as one message takes, both's.
func issue(row int, col int, code, vi, en string, args ...any) Issue {
	c := ""
	if col >= 0 {
		c = Columns[col].Header
	}
	nv := strings.Count(vi, "%") - 2*strings.Count(vi, "%%")
	viArgs, enArgs := args, args
	if len(args) > nv {
		viArgs, enArgs = args[:nv], args[nv:]
	}
	return Issue{Row: row, Column: c, Code: code, VI: fmt.Sprintf(vi, viArgs...), EN: fmt.Sprintf(en, enArgs...)}
}

// TemplateCSV is the CSV template: the header and one example row, UTF-8 with a byte order mark
// (so that spreadsheet programs read the Vietnamese right).
func TemplateCSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	_ = w.Write(headers())
	_ = w.Write(example())
	w.Flush()
	return b.Bytes()
}

func headers() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}

func example() []string {
	return []string{"26734", "CB000123", "Nguyễn Văn An", "Chuyên viên", "CONG_CHUC", "2020-03-01", "", "0912345678"}
}

// TemplateXLSX is the XLSX template: the roster sheet (every cell text, so codes keep their leading
// zeros and dates stay as typed) and a sheet explaining each column.
func TemplateXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Danh sách"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	if err := f.SetColStyle(sheet, "A:H", text); err != nil {
		return nil, err
	}
	for i, row := range [][]string{headers(), example()} {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &cells); err != nil {
			return nil, err
		}
	}
	if _, err := f.NewSheet("Hướng dẫn"); err != nil {
		return nil, err
	}
	for i, c := range Columns {
		req := "Không bắt buộc"
		if c.Required {
			req = "Bắt buộc"
		}
		row := []any{c.Header, c.Key, req, c.Note}
		if err := f.SetSheetRow("Hướng dẫn", fmt.Sprintf("A%d", i+1), &row); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Format is a roster file's format.
type Format string

// Formats.
const (
	CSV  Format = "CSV"
	XLSX Format = "XLSX"
)

// FormatOf tells a file's format by its content type.
func FormatOf(contentType string) (Format, bool) {
	switch strings.ToLower(strings.TrimSpace(contentType)) {
	case "text/csv", "text/plain", "application/csv":
		return CSV, true
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return XLSX, true
	}
	return "", false
}

// Parse reads a file's rows and checks each on its own (the plan checks them against the
// database). progress is called now and then with the rows read so far.
func Parse(format Format, data []byte, progress func(int)) ([]Row, []Issue) {
	records, err := records(format, data)
	if err != nil {
		return nil, []Issue{issue(0, -1, "UNREADABLE", "Không đọc được tệp: %v.", "The file cannot be read: %v.", err)}
	}
	if len(records) == 0 {
		return nil, []Issue{issue(0, -1, "EMPTY", "Tệp không có dòng tiêu đề.", "The file has no header row.")}
	}
	index, issues := header(records[0])
	if len(issues) > 0 {
		return nil, issues
	}
	if len(records)-1 > MaxRows {
		return nil, []Issue{issue(0, -1, "TOO_MANY_ROWS", "Tệp có quá %d dòng.", "The file has more than %d rows.", MaxRows)}
	}
	rows := make([]Row, 0, len(records)-1)
	for i, rec := range records[1:] {
		line := i + 2
		if progress != nil && i%10000 == 0 {
			progress(i)
		}
		get := func(col int) string {
			if j := index[col]; j >= 0 && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		blank := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		r, rowIssues := checkRow(line, get)
		issues = append(issues, rowIssues...)
		if len(rowIssues) == 0 {
			rows = append(rows, r)
		}
	}
	if progress != nil {
		progress(len(records) - 1)
	}
	return rows, issues
}

func records(format Format, data []byte) ([][]string, error) {
	if format == XLSX {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: false, UnzipSizeLimit: maxUnzipBytes})
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errors.New("no sheet")
		}
		return f.GetRows(sheets[0])
	}
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// header maps each column to its position in the file (-1 when absent): by the Vietnamese header
// or the English key, case and accents aside.
func header(rec []string) ([]int, []Issue) {
	index := make([]int, len(Columns))
	var issues []Issue
	for i, c := range Columns {
		index[i] = -1
		for j, h := range rec {
			h = fold.Query(strings.TrimPrefix(h, "\ufeff"))
			if h == fold.Query(c.Header) || h == fold.Query(strings.ReplaceAll(c.Key, "_", " ")) || h == c.Key {
				index[i] = j
			}
		}
		if index[i] < 0 && c.Required {
			issues = append(issues, issue(1, i, "MISSING_COLUMN", "Thiếu cột %q.", "The column %q is missing.", c.Header, c.Header))
		}
	}
	return index, issues
}

var categories = map[string]official.Category{
	"can_bo": official.CategoryCAN_BO, "can bo": official.CategoryCAN_BO,
	"cong_chuc": official.CategoryCONG_CHUC, "cong chuc": official.CategoryCONG_CHUC,
	"vien_chuc": official.CategoryVIEN_CHUC, "vien chuc": official.CategoryVIEN_CHUC,
	"contract": official.CategoryCONTRACT, "hop dong": official.CategoryCONTRACT,
}

func checkRow(line int, get func(int) string) (Row, []Issue) {
	r := Row{Line: line, UnitCode: get(colUnit), EmployeeCode: get(colCode), FullName: get(colName), Position: get(colPosition)}
	var out []Issue
	required := func(col int, v string) bool {
		if v == "" {
			out = append(out, issue(line, col, "REQUIRED", "Thiếu %s.", "%s is required.", Columns[col].Header, Columns[col].Key))
			return false
		}
		return true
	}
	tooLong := func(col int, v string, max int) {
		if len(v) > max {
			out = append(out, issue(line, col, "TOO_LONG", "Quá dài (tối đa %d byte).", "Too long (at most %d bytes).", max, max))
		}
	}
	required(colUnit, r.UnitCode)
	if required(colCode, r.EmployeeCode) {
		tooLong(colCode, r.EmployeeCode, 40)
	}
	if required(colName, r.FullName) {
		tooLong(colName, r.FullName, 200)
	}
	tooLong(colPosition, r.Position, 200)
	if c := get(colCategory); required(colCategory, c) {
		key := strings.ToLower(c)
		if cat, ok := categories[key]; ok {
			r.Category = cat
		} else if cat, ok := categories[fold.Query(c)]; ok {
			r.Category = cat
		} else {
			out = append(out, issue(line, colCategory, "BAD_CATEGORY", "Loại %q không hợp lệ (CAN_BO, CONG_CHUC, VIEN_CHUC, CONTRACT).",
				"Unknown category %q (CAN_BO, CONG_CHUC, VIEN_CHUC, CONTRACT).", c, c))
		}
	}
	if s := get(colStart); required(colStart, s) {
		if d, ok := parseDate(s); ok {
			r.Start = d
		} else {
			out = append(out, issue(line, colStart, "BAD_DATE", "Ngày %q không hợp lệ (YYYY-MM-DD hoặc DD/MM/YYYY).",
				"Bad date %q (YYYY-MM-DD or DD/MM/YYYY).", s, s))
		}
	}
	if s := get(colEnd); s != "" {
		if d, ok := parseDate(s); !ok {
			out = append(out, issue(line, colEnd, "BAD_DATE", "Ngày %q không hợp lệ (YYYY-MM-DD hoặc DD/MM/YYYY).",
				"Bad date %q (YYYY-MM-DD or DD/MM/YYYY).", s, s))
		} else if !r.Start.IsZero() && d.Before(r.Start) {
			out = append(out, issue(line, colEnd, "END_BEFORE_START", "Ngày kết thúc trước ngày bắt đầu.", "The end date precedes the start date."))
		} else {
			r.End = &d
		}
	}
	if s := get(colContact); s != "" {
		phone, email, ok := Contact(s)
		if !ok {
			out = append(out, issue(line, colContact, "BAD_CONTACT", "Liên hệ %q không phải số di động hay e-mail hợp lệ.",
				"Contact %q is neither a valid mobile number nor an e-mail address.", s, s))
		}
		r.Phone, r.Email = phone, email
	}
	return r, out
}

// parseDate reads YYYY-MM-DD, DD/MM/YYYY (or D/M/YYYY) as a day in Vietnam, years 1900-2100.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, s, workdays.Vietnam); err == nil && t.Year() >= 1900 && t.Year() <= 2100 {
			return t, true
		}
	}
	return time.Time{}, false
}

var (
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	vnMobile = regexp.MustCompile(`^0[35789][0-9]{8}$`)
)

// Contact normalises a phone number (E.164, or a Vietnamese mobile number written 0xxxxxxxxx or
// 84xxxxxxxxx, which becomes +84xxxxxxxxx) or an e-mail address (lower case); ok false for neither.
func Contact(s string) (phone, email string, ok bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
			return "", "", false
		}
		return "", strings.ToLower(s), true
	}
	p := strings.NewReplacer(" ", "", ".", "", "-", "", "(", "", ")", "").Replace(s)
	switch {
	case vnMobile.MatchString(p):
		return "+84" + p[1:], "", true
	case strings.HasPrefix(p, "84") && vnMobile.MatchString("0"+p[2:]):
		return "+" + p, "", true
	case e164.MatchString(p):
		return p, "", true
	}
	return "", "", false
}

// itoa is strconv.Itoa (kept short for messages).
func itoa(n int) string { return strconv.Itoa(n) }
