package roster

import (
	"strings"
	"testing"
)

func TestContact(t *testing.T) {
	tests := []struct {
		in, phone, email string
		ok               bool
	}{
		{"0912345678", "+84912345678", "", true},
		{"0912 345 678", "+84912345678", "", true},
		{"84912345678", "+84912345678", "", true},
		{"+84912345678", "+84912345678", "", true},
		{"+14155552671", "+14155552671", "", true},
		{"An.Nguyen@Example.vn", "", "an.nguyen@example.vn", true},
		{"0212345678", "", "", false}, // not a mobile prefix
		{"12345", "", "", false},
		{"An <an@example.vn>", "", "", false},
		{"an@", "", "", false},
	}
	for _, tt := range tests {
		phone, email, ok := Contact(tt.in)
		if phone != tt.phone || email != tt.email || ok != tt.ok {
			t.Errorf("Contact(%q) = %q, %q, %v; want %q, %q, %v", tt.in, phone, email, ok, tt.phone, tt.email, tt.ok)
		}
	}
}

func TestParse(t *testing.T) {
	file := "\ufeffmã đơn vị,MA CAN BO,Họ và tên,Loại,Ngày bắt đầu,Ngày kết thúc\n" +
		"U1,A-1,An,Công chức,01/02/2024,\n" +
		",,,,,\n" + // blank: skipped
		"U1,,Bình,XX,2024-02-30,\n" +
		"U1,A-3,Cường,CAN_BO,2024-02-01,2024-01-31\n"
	rows, issues := Parse(CSV, []byte(file), nil)
	if len(rows) != 1 || rows[0].EmployeeCode != "A-1" || rows[0].Category != "CONG_CHUC" || rows[0].Start.Format("2006-01-02") != "2024-02-01" {
		t.Fatalf("rows: %+v", rows)
	}
	var got []string
	for _, is := range issues {
		got = append(got, is.Code+"@"+is.Column)
		if is.Row < 4 || is.VI == "" || is.EN == "" {
			t.Fatalf("issue %+v", is)
		}
	}
	want := "REQUIRED@Mã cán bộ BAD_CATEGORY@Loại BAD_DATE@Ngày bắt đầu END_BEFORE_START@Ngày kết thúc"
	if strings.Join(got, " ") != want {
		t.Fatalf("issues %v, want %s", got, want)
	}
	if _, issues := Parse(CSV, []byte("Họ và tên\nAn\n"), nil); len(issues) != 4 || issues[0].Code != "MISSING_COLUMN" {
		t.Fatalf("missing columns: %+v", issues)
	}
}

func TestParseXLSXUnzipLimit(t *testing.T) {
	tmpl, err := TemplateXLSX()
	if err != nil {
		t.Fatal(err)
	}
	if rows, issues := Parse(XLSX, tmpl, nil); len(rows) != 1 || len(issues) != 0 {
		t.Fatalf("template under the default limit: rows %+v, issues %+v", rows, issues)
	}
	defer func(old int64) { maxUnzipBytes = old }(maxUnzipBytes)
	maxUnzipBytes = 1024 // the template expands to more than this
	rows, issues := Parse(XLSX, tmpl, nil)
	if len(rows) != 0 || len(issues) != 1 || issues[0].Code != "UNREADABLE" {
		t.Fatalf("over the limit: rows %+v, issues %+v", rows, issues)
	}
}
