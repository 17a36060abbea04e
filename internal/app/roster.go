package app

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/server"
)

// importCmd is `import roster FILE --scope KIND:ID ...`.
func importCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	const usage = "usage: import roster FILE --scope unit:ID|district:ID|province:ID|province-code:CODE [--mode MERGE|FULL] [--dry-run] [--date YYYY-MM-DD]"
	if len(args) < 2 || args[0] != "roster" {
		return fmt.Errorf("%s", usage)
	}
	file := args[1]
	fs := flag.NewFlagSet("import roster", flag.ContinueOnError)
	scopeArg := fs.String("scope", "", "unit:ID, district:ID, province:ID or province-code:CODE")
	mode := fs.String("mode", "MERGE", "MERGE or FULL")
	dry := fs.Bool("dry-run", false, "report what would change, write nothing")
	date := fs.String("date", "", "the import's date (default today)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	format := roster.CSV
	if strings.HasSuffix(strings.ToLower(file), ".xlsx") {
		format = roster.XLSX
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := authz.System(ctx, authz.SysRosterImport)
	sc, err := scopeArgument(ctx, db.Client, *scopeArg, usage)
	if err != nil {
		return err
	}
	req := roster.Request{Scope: sc, Mode: roster.Mode(strings.ToUpper(*mode)), DryRun: *dry}
	if *date != "" {
		if req.EffectiveOn, err = time.Parse(time.DateOnly, *date); err != nil {
			return fmt.Errorf("--date: %w", err)
		}
	}
	blobs, err := server.OpenBlobs(ctx, cfg, nil)
	if err != nil {
		return err
	}
	svc := roster.New(db, blobs, progress.New(db, nil), nil, log)
	start := time.Now()
	ri, err := svc.Local(sys, req, format, data)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "import %s: %s (dry run %v) in %s, %.0f rows/s\n", ri.ID, ri.Status, ri.DryRun, took.Round(time.Millisecond),
		float64(ri.RowsRead)/took.Seconds())
	fmt.Fprintf(stdout, "rows read %d, to create %d, to update %d, to transfer %d, to end %d, unchanged %d, errors %d\n",
		ri.RowsRead, ri.ToCreate, ri.ToUpdate, ri.ToTransfer, ri.ToEnd, ri.Unchanged, ri.ErrorCount)
	for i, is := range roster.Issues(ri) {
		if i == 50 {
			fmt.Fprintf(stdout, "... %d more\n", ri.ErrorCount-50)
			break
		}
		fmt.Fprintf(stdout, "row %d, %s: %s (%s / %s)\n", is.Row, is.Column, is.Code, is.VI, is.EN)
	}
	if ri.Failure != "" {
		return fmt.Errorf("import failed: %s", ri.Failure)
	}
	return nil
}

// progressCheck is `progress check`.
func progressCheck(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	diffs, err := progress.New(db, nil).Check(ctx) // raw SQL over the counters and records
	if err != nil {
		return fmt.Errorf("progress check: %w", err)
	}
	for i, d := range diffs {
		if i == 50 {
			break
		}
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("progress check: %d figures differ from a rebuild", len(diffs))
	}
	fmt.Fprintf(stdout, "progress counters match a rebuild from the records (%s)\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// rosterCmd is `roster generate`: a synthetic province and a roster file over it.
func rosterCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) < 1 || args[0] != "generate" {
		return fmt.Errorf("usage: roster generate --out FILE [--rows 120000] [--units 4000] [--province-code R1] [--rename] [--move-percent 0]")
	}
	if cfg.Production() {
		return fmt.Errorf("roster generate is refused in production")
	}
	fs := flag.NewFlagSet("roster generate", flag.ContinueOnError)
	out := fs.String("out", "", "the CSV file to write")
	rows := fs.Int("rows", 120000, "officials in the file")
	units := fs.Int("units", 4000, "units of the province")
	code := fs.String("province-code", "R1", "the synthetic province's code")
	rename := fs.Bool("rename", false, "a later file: every official renamed, with a new position")
	movePct := fs.Int("move-percent", 0, "a later file: this percentage of the officials (every n-th row) in the next unit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" || *units < 1 || *movePct < 0 || *movePct > 100 {
		return fmt.Errorf("--out is required, --units at least 1, --move-percent from 0 to 100")
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := authz.System(ctx, authz.SysSeed)
	p, err := db.Client.Province.Query().Where(province.Code(*code)).Only(sys)
	if ent.IsNotFound(err) {
		p, err = db.Client.Province.Create().SetCode(*code).SetName("Tỉnh Tổng Hợp " + *code).SetKind(province.KindPROVINCE).
			SetValidFrom(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)).Save(sys)
	}
	if err != nil {
		return err
	}
	have := db.Client.Unit.Query().Where(unit.ProvinceID(p.ID)).CountX(sys)
	var batch []*ent.UnitCreate
	for i := have; i < *units; i++ {
		batch = append(batch, db.Client.Unit.Create().SetName(fmt.Sprintf("Đơn vị %s-%04d", *code, i+1)).SetCode(fmt.Sprintf("%s-%04d", *code, i+1)).
			SetLevel(unit.LevelCOMMUNE).SetKind(unit.KindPEOPLES_COMMITTEE).SetProvinceID(p.ID))
		if len(batch) == 500 || i == *units-1 {
			if err := db.Client.Unit.CreateBulk(batch...).Exec(progress.Bulk(sys)); err != nil {
				return err
			}
			batch = nil
		}
	}
	if have < *units { // units were written around the counters
		if err := progress.New(db, nil).Rebuild(sys); err != nil {
			return err
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	head := make([]string, len(roster.Columns))
	for i, c := range roster.Columns {
		head[i] = c.Header
	}
	_ = w.Write(head)
	cats := []string{"CAN_BO", "CONG_CHUC", "VIEN_CHUC", "CONTRACT"}
	name, position := "Nguyễn Văn %d", "Chuyên viên"
	if *rename {
		name, position = "Trần Thị %d", "Chuyên viên chính"
	}
	for i := range *rows {
		start := time.Date(2010+i%15, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		u := i % *units
		if *movePct > 0 && i%100 < *movePct { // the same officials whatever the other flags
			u = (u + 1) % *units
		}
		_ = w.Write([]string{fmt.Sprintf("%s-%04d", *code, 1+u), fmt.Sprintf("%s-NV%07d", *code, i+1),
			fmt.Sprintf(name, i+1), position, cats[i%4], start.Format(time.DateOnly), "", fmt.Sprintf("09%08d", i)})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "province %s (%s) with %d units; %d rows written to %s\n", *code, p.ID, *units, *rows, *out)
	return nil
}

// scopeArgument reads a --scope argument: unit:ID, district:ID, province:ID or province-code:CODE.
func scopeArgument(ctx context.Context, c *ent.Client, arg, usage string) (authz.Scope, error) {
	kind, id, _ := strings.Cut(arg, ":")
	switch kind {
	case "unit":
		return authz.Scope{Kind: authz.ScopeUnit, ID: id}, nil
	case "district":
		return authz.Scope{Kind: authz.ScopeDistrict, ID: id}, nil
	case "province":
		return authz.Scope{Kind: authz.ScopeProvince, ID: id}, nil
	case "province-code":
		p, err := c.Province.Query().Where(province.Code(id), province.ValidToIsNil()).Only(ctx) // provinces are public
		if err != nil {
			return authz.Scope{}, fmt.Errorf("province %s: %w", id, err)
		}
		return authz.Scope{Kind: authz.ScopeProvince, ID: p.ID}, nil
	}
	return authz.Scope{}, fmt.Errorf("%s", usage)
}
