package app

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/delivery"
)

// accountsCmd is `accounts provision --scope KIND:ID [--delivery SHEET|SHEET_AND_SEND]`: a
// provisioning run worked in this process, batch by batch, as the job queue works one.
func accountsCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	const usage = "usage: accounts provision --scope unit:ID|district:ID|province:ID|province-code:CODE [--delivery SHEET|SHEET_AND_SEND]"
	if len(args) < 1 || args[0] != "provision" {
		return fmt.Errorf("%s", usage)
	}
	fs := flag.NewFlagSet("accounts provision", flag.ContinueOnError)
	scopeArg := fs.String("scope", "", "unit:ID, district:ID, province:ID or province-code:CODE")
	deliveryArg := fs.String("delivery", "SHEET_AND_SEND", "SHEET, or SHEET_AND_SEND (also to registered phones and e-mails)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	send := strings.ToUpper(*deliveryArg) == "SHEET_AND_SEND"
	if !send && strings.ToUpper(*deliveryArg) != "SHEET" {
		return fmt.Errorf("%s", usage)
	}
	reporterKey, err := base64.StdEncoding.DecodeString(cfg.ReporterKey)
	if err != nil {
		return fmt.Errorf("REPORTER_KEY is not base64: %w", err)
	}
	box, err := reporterBox(cfg)
	if err != nil {
		return fmt.Errorf("REPORTER_KEY: %w", err)
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	sc, err := scopeArgument(ctx, db.Client, *scopeArg, usage)
	if err != nil {
		return err
	}
	a := cfg.Accounts
	svc := auth.NewService(db.Client, nil, log, nil)
	svc.Configure(auth.Accounts{ReporterKey: reporterKey, Box: box, Log: log, ActivationTTL: a.ActivationTTL, ResetTTL: a.ResetTTL,
		Sender: delivery.New(delivery.Settings{SMTPAddr: a.SMTPAddr, SMTPFrom: a.SMTPFrom, SMTPUser: a.SMTPUser,
			SMTPPassword: a.SMTPPassword, SMSURL: a.SMSURL, SMSToken: a.SMSToken, Production: cfg.Production()}, log, nil)})
	svc.UseProvisioning(db.Dialect, nil, 0)
	start := time.Now()
	run, err := svc.ProvisionLocal(ctx, sc, send)
	took := time.Since(start)
	svc.WaitResets() // the codes sent from this process
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "provisioning %s: %s in %s, %.0f accounts/s\n", run.ID, run.Status, took.Round(time.Millisecond),
		float64(run.Created)/took.Seconds())
	fmt.Fprintf(stdout, "officials %d, units %d, created %d, skipped %d (login taken), codes sent %d, sheets %d\n",
		run.Officials, run.Units, run.Created, run.Skipped, run.Sent, run.SheetCount)
	for _, sk := range auth.Skipped(run) {
		fmt.Fprintf(stdout, "skipped %s: %s\n", sk.EmployeeCode, sk.Code)
	}
	if run.Failure != "" {
		return fmt.Errorf("provisioning failed: %s", run.Failure)
	}
	return nil
}
