package server_test

import (
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestInputCoercion: a value that does not convert to its type, written in the query or sent as a
// variable, is BAD_USER_INPUT with a message in the reader's language that names the input,
// refused before execution (no "data") and not logged as an error. Before: custom scalars (Time,
// Cursor) answered INTERNAL_SERVER_ERROR and logged an ERROR line; built-in types and enums
// answered GRAPHQL_VALIDATION_FAILED in English only.
func TestInputCoercion(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		const count = `{ totalCount }`
		tests := []struct {
			name   string
			query  string
			vars   map[string]any
			vi, en string // in the message
			field  string // extensions.field joined by ".", "" when none
		}{
			{"Time literal", `{ provinces(where: {validFromGT: "yesterday"}) ` + count + ` }`, nil,
				"where.validFromGT phải là một thời điểm theo RFC 3339", "where.validFromGT must be a time in RFC 3339", "where.validFromGT"},
			{"Time literal not a string", `{ provinces(where: {validFromLT: 20250101}) ` + count + ` }`, nil,
				"phải là một thời điểm", "must be a time", "where.validFromLT"},
			{"Time literal in a list", `{ provinces(where: {or: [{validFromGT: "2025-01-01T00:00:00Z"}, {validFromIn: ["2025-01-01T00:00:00Z", "mai"]}]}) ` + count + ` }`, nil,
				"where.or.1.validFromIn.1 phải là", "where.or.1.validFromIn.1 must be", "where.or.1.validFromIn.1"},
			{"Time variable", `query($t: Time) { provinces(where: {validFromGT: $t}) ` + count + ` }`, map[string]any{"t": "yesterday"},
				"$t phải là một thời điểm", "$t must be a time", "t"},
			{"Time variable a number", `query($t: Time) { provinces(where: {validFromGT: $t}) ` + count + ` }`, map[string]any{"t": 5},
				"$t phải là một thời điểm", "$t must be a time", "t"},
			{"Time inside an input variable", `query($w: ProvinceWhereInput) { provinces(where: $w) ` + count + ` }`,
				map[string]any{"w": map[string]any{"and": []any{map[string]any{"validFromGTE": "hôm qua"}}}},
				"$w.and.0.validFromGTE phải là", "$w.and.0.validFromGTE must be", "w.and.0.validFromGTE"},
			{"Time variable default", `query($t: Time = "soon") { provinces(where: {validFromGT: $t}) ` + count + ` }`, nil,
				"$t phải là một thời điểm", "$t must be a time", "t"},
			{"Cursor literal", `{ provinces(after: "not-a-cursor") ` + count + ` }`, nil,
				"after không phải là con trỏ phân trang", "after is not a cursor this server returned", "after"},
			{"Cursor variable", `query($c: Cursor) { provinces(before: $c, last: 1) ` + count + ` }`, map[string]any{"c": "AAAA"},
				"$c không phải là con trỏ phân trang", "$c is not a cursor this server returned", "c"},
			{"enum literal", `{ provinces(orderBy: {field: POPULATION}) ` + count + ` }`, nil,
				`Giá trị nhập trong truy vấn không hợp lệ: giá trị "POPULATION" không có trong kiểu liệt kê "ProvinceOrderField!"`, `Value "POPULATION" does not exist in "ProvinceOrderField!" enum`, ""},
			{"enum variable", `query($f: ProvinceOrderField!) { provinces(orderBy: {field: $f}) ` + count + ` }`, map[string]any{"f": "POPULATION"},
				"Biến $f không hợp lệ: POPULATION không phải là giá trị hợp lệ của ProvinceOrderField", "Variable $f is not valid: POPULATION is not a valid ProvinceOrderField", "f"},
			{"Int literal", `{ provinces(first: "ten") ` + count + ` }`, nil,
				`Giá trị nhập trong truy vấn không hợp lệ: "ten" không phải là giá trị kiểu Int`, "Int cannot represent non-integer value", ""},
			{"Int variable", `query($n: Int) { provinces(first: $n) ` + count + ` }`, map[string]any{"n": "ten"},
				"Biến $n không hợp lệ: không dùng được string làm Int", "Variable $n is not valid: cannot use string as Int", "n"},
			{"required variable missing", `query($n: Int!) { provinces(first: $n) ` + count + ` }`, map[string]any{},
				"Biến $n không hợp lệ: cần có giá trị", "Variable $n is not valid: must be defined", "n"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for lang, want := range map[string]string{"vi": tt.vi, "en": tt.en} {
					r := api.Query(t, tt.query, tt.vars, "Accept-Language", lang)
					if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, want) || r.Data != nil {
						t.Fatalf("%s: got %s, want BAD_USER_INPUT with %q and no data", lang, r.Raw, want)
					}
					field, _ := r.Errors[0].Extensions["field"].([]any)
					parts := make([]string, len(field))
					for i, f := range field {
						parts[i], _ = f.(string)
					}
					if strings.Join(parts, ".") != tt.field {
						t.Fatalf("field %v, want %q", field, tt.field)
					}
				}
			})
		}
		// Good values still pass, and the cursor checked is the one the server hands out.
		var page struct {
			Provinces struct{ PageInfo struct{ EndCursor *string } }
		}
		api.Query(t, `query($t: Time) { provinces(first: 1, where: {validFromGT: $t}) { pageInfo { endCursor } } }`,
			map[string]any{"t": "2000-01-01T00:00:00+07:00"}).Decode(t, &page)
		if c := page.Provinces.PageInfo.EndCursor; c != nil {
			if r := api.Query(t, `query($c: Cursor) { provinces(after: $c) { totalCount } }`, map[string]any{"c": *c}); len(r.Errors) > 0 {
				t.Fatalf("a cursor of the server refused: %s", r.Raw)
			}
		}
		if strings.Contains(api.Logs.String(), `"level":"ERROR"`) {
			t.Fatalf("bad input logged as an error:\n%s", api.Logs)
		}
	})
}
