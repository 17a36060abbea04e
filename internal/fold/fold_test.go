package fold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Bến Tre":                        "ben tre",
		"BẾN TRE":                        "ben tre",
		"Đặng Thị Loan":                  "dang thi loan",
		"đ":                              "d",
		"Nguyễn Văn An":                  "nguyen van an",
		norm.NFD.String("Nguyễn Văn An"): "nguyen van an", // decomposed input too
		"Ủy ban nhân dân":                "uy ban nhan dan",
		"Hồ Chí Minh":                    "ho chi minh",
		"ABC-12":                         "abc-12",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuery(t *testing.T) {
	for in, want := range map[string]string{
		"  Nguyễn   VĂN  an ": "nguyen van an",
		"100%_x":              "100 x",
		`a\b`:                 "a b",
		"%%":                  "",
		"Bến-Tre":             "ben tre",
	} {
		if got := Query(in); got != want {
			t.Errorf("Query(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSQLMatchesFold: the backfill's table maps every Vietnamese letter to one ASCII letter, as
// Fold does, and the migrations use exactly the expressions SQL builds.
func TestSQLMatchesFold(t *testing.T) {
	letters := vietnamese()
	if len(letters) != 134 {
		t.Errorf("%d Vietnamese letters with diacritics, want 134 (66 lower, 66 upper, đ, Đ)", len(letters))
	}
	for _, r := range letters {
		f := Fold(string(r))
		if len(f) != 1 || f[0] < 'a' || f[0] > 'z' {
			t.Errorf("Fold(%q) = %q, not one ASCII letter", r, f)
		}
	}
	for dialect, dir := range map[string]string{"postgres": "postgres", "sqlite": "sqlite"} {
		files, _ := filepath.Glob(filepath.Join("..", "store", "migrations", dir, "*_search_folded.sql"))
		if len(files) != 1 {
			t.Fatalf("%s: %d search_folded migrations", dialect, len(files))
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{`"full_name"`, `"name"`} {
			if !strings.Contains(string(b), SQL(dialect, col)) {
				t.Errorf("%s migration does not backfill with SQL(%s)", dialect, col)
			}
		}
	}
}
