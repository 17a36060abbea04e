package review

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/progress"
)

// Content types of the formats.
const (
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	contentTypeCSV  = "text/csv; charset=utf-8"
)

// file is an export ready to send.
type file struct {
	name        string // safe ASCII, with its extension
	contentType string
	body        []byte
}

// build assembles the tables of an export for the viewer of ctx (access already checked) and
// encodes them. Live figures go through progress.Progress and progress.Ranking, which apply the
// viewer's own rules again (small cells hidden from an official); a review's are its snapshot.
// Nothing about a reporter is in any of them: progress holds counts only.
func (s *Service) build(ctx context.Context, e Export) (*file, error) {
	var (
		tables []table
		name   string
	)
	switch e.Kind {
	case KindProgress:
		rep, err := s.progress.Progress(ctx, *e.Scope, e.Year)
		if err != nil {
			return nil, err
		}
		ranking, err := s.ranking(ctx, e)
		if err != nil {
			return nil, err
		}
		tables = []table{progressTable(rep), ranking,
			infoTable("Tiến độ thực hiện cuộc vận động", rep.Scope, rep, nil, s.now())}
		name = fmt.Sprintf("tien-do_%s_%d", slug(rep.Scope.Name), e.Year)
	case KindReview:
		rv, err := s.Get(ctx, e.ReviewID)
		if err != nil {
			return nil, err
		}
		rep, err := s.FiguresFor(ctx, rv)
		if err != nil {
			return nil, err
		}
		scope := ScopeOf(rv)
		tables = []table{progressTable(rep), infoTable("Sơ kết năm (số liệu đã chốt)", scope, rep, rv, s.now())}
		name = fmt.Sprintf("so-ket_%s_%d_v%d", slug(scope.Name), rv.Year, rv.Version)
	case KindFinalReview:
		f, err := s.Final(ctx, *e.Scope)
		if err != nil {
			return nil, err
		}
		tables = []table{finalTable(f), infoTable("Tổng kết giai đoạn 2021-2026", f.Scope, nil, nil, s.now())}
		name = fmt.Sprintf("tong-ket-2021-2026_%s", slug(f.Scope.Name))
	default:
		return nil, fmt.Errorf("review: unknown export kind %q", e.Kind)
	}
	var buf bytes.Buffer
	if e.Format == FormatCSV {
		if err := writeCSV(&buf, tables); err != nil {
			return nil, err
		}
		return &file{name: name + ".csv", contentType: contentTypeCSV, body: buf.Bytes()}, nil
	}
	if err := writeXLSX(&buf, tables); err != nil {
		return nil, err
	}
	return &file{name: name + ".xlsx", contentType: contentTypeXLSX, body: buf.Bytes()}, nil
}

// rankedBy is the ranking that orders the sheet (and gives Hạng): the negativity rate, lowest
// first, the campaign's phase-2 target. The other rankings give their values, joined by scope.
// Each in its own "best first" direction.
var (
	rankedBy   = progress.RankNegativity
	rankJoined = []progress.RankMetric{progress.RankAwareness, progress.RankPledge, progress.RankSelfAssessment}
)

func (s *Service) ranking(ctx context.Context, e Export) (table, error) {
	order, err := s.progress.Ranking(ctx, *e.Scope, e.Year, rankedBy, false, progress.RankUnits{})
	if err != nil {
		return table{}, err
	}
	others := map[progress.RankMetric][]progress.Entry{}
	for _, m := range rankJoined {
		if others[m], err = s.progress.Ranking(ctx, *e.Scope, e.Year, m, false, progress.RankUnits{}); err != nil {
			return table{}, err
		}
	}
	return rankingTable(order, others), nil
}

// writeCSV writes UTF-8 with a byte order mark (so spreadsheet programs read the Vietnamese
// right): each table, its header row first, the tables separated by one empty line, in the order
// of the workbook's sheets.
func writeCSV(buf *bytes.Buffer, tables []table) error {
	buf.WriteString("\uFEFF")
	for i, t := range tables {
		if i > 0 {
			buf.WriteString("\r\n")
		}
		w := csv.NewWriter(buf)
		w.UseCRLF = true
		if err := w.Write(t.header); err != nil {
			return err
		}
		for _, row := range t.rows {
			rec := make([]string, len(row))
			for j, c := range row {
				rec[j] = csvCell(c)
			}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	}
	return nil
}

func csvCell(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return formatFloat(v)
	case pct:
		return formatFloat(float64(v))
	}
	return fmt.Sprint(c)
}

// formatFloat writes at most 6 decimals, with a point.
func formatFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

// writeXLSX writes one sheet per table: a bold, frozen header row, rates as percentages.
func writeXLSX(buf *bytes.Buffer, tables []table) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	decimal, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	first := f.GetSheetName(0)
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName(first, t.sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(t.sheet); err != nil {
			return err
		}
		if err := f.SetSheetRow(t.sheet, "A1", &t.header); err != nil {
			return err
		}
		last, _ := excelize.CoordinatesToCellName(len(t.header), 1)
		if err := f.SetCellStyle(t.sheet, "A1", last, bold); err != nil {
			return err
		}
		widths := make([]int, len(t.header))
		for j, h := range t.header {
			widths[j] = len([]rune(h))
		}
		for r, row := range t.rows {
			for j, c := range row {
				if c == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, r+2)
				var style int
				switch v := c.(type) {
				case pct:
					c, style = float64(v), percent
				case float64:
					style = decimal
				case string:
					widths[j] = max(widths[j], len([]rune(v)))
				}
				if err := f.SetCellValue(t.sheet, cell, c); err != nil {
					return err
				}
				if style != 0 {
					if err := f.SetCellStyle(t.sheet, cell, cell, style); err != nil {
						return err
					}
				}
			}
		}
		for j, w := range widths {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(t.sheet, col, col, float64(min(max(w, 8), 80))+2); err != nil {
				return err
			}
		}
		if err := f.SetPanes(t.sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(buf)
}

// slug is a file-name-safe ASCII form of a name: "Tỉnh Đồng Nai" becomes "tinh-dong-nai".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range fold.Fold(name) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		return "pham-vi"
	}
	return s
}
