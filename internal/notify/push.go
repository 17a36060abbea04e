package notify

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/ent/notificationsetting"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// PushArgs is the job pushing notifications to their recipients' devices.
type PushArgs struct {
	IDs []string `json:"ids"`
}

// Kind is River's name of the job.
func (PushArgs) Kind() string { return "notify_push" }

// InsertOpts put the job on the notification queue; the same notifications are never queued
// twice at once (River's unique jobs, by arguments).
func (PushArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type pushWorker struct {
	river.WorkerDefaults[PushArgs]
	s *Service
}

func (w *pushWorker) Work(ctx context.Context, job *river.Job[PushArgs]) error {
	return w.s.push(ctx, job.Args.IDs)
}

// Quiet hours by default (DESIGN.md §12): 21:00 to 07:00, Vietnam time.
const (
	defaultQuietStart = 21 * 60
	defaultQuietEnd   = 7 * 60
)

// push sends the notifications of ids not pushed yet to their recipients' devices. A notification
// whose account is in its quiet hours is put off to their end (a new job); one of a muted kind
// is marked done without a push (it stays in the inbox). A token the push service calls dead is
// forgotten. When a send fails otherwise, the notifications delivered are marked and the job
// fails, so River retries the others with backoff.
func (s *Service) push(ctx context.Context, ids []string) error {
	ctx = authz.System(ctx, authz.SysNotify)
	ns, err := s.client.Notification.Query().Where(notification.IDIn(ids...), notification.PushedAtIsNil()).All(ctx)
	if err != nil || len(ns) == 0 {
		return err
	}
	var accounts, cases []string
	for _, n := range ns {
		if n.AccountID != nil {
			accounts = append(accounts, *n.AccountID)
		} else if n.CaseID != nil {
			cases = append(cases, *n.CaseID)
		}
	}
	settings := map[string]*ent.NotificationSetting{}
	if len(accounts) > 0 {
		rows, err := s.client.NotificationSetting.Query().Where(notificationsetting.AccountIDIn(accounts...)).All(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			settings[r.AccountID] = r
		}
	}
	devices, err := s.client.Device.Query().Where(device.Or(device.AccountIDIn(accounts...), device.CaseIDIn(cases...))).All(ctx)
	if err != nil {
		return err
	}
	byOwner := map[string][]*ent.Device{}
	for _, d := range devices {
		byOwner[d.Owner] = append(byOwner[d.Owner], d)
	}
	now := s.opt.Now()
	var (
		done, dead []string
		later      = map[time.Time][]string{}
		failed     error
	)
	for _, n := range ns {
		owner, kind := "", Kind(n.Kind)
		if n.AccountID != nil {
			owner = *n.AccountID
			st := settings[owner]
			if muted(st, kind) {
				s.Skipped.Add(1)
				done = append(done, n.ID)
				continue
			}
			if until, ok := quietUntil(st, now); ok && kind.Waits() {
				later[until] = append(later[until], n.ID)
				continue
			}
		} else if n.CaseID != nil {
			owner = *n.CaseID
		}
		ok := true
		for _, d := range byOwner[owner] {
			if err := s.wait(ctx); err != nil {
				return err
			}
			err := s.sender.Send(ctx, message(n, d))
			switch {
			case err == nil:
				s.Sent.Add(1)
			case errors.Is(err, ErrDeadToken):
				s.Dead.Add(1)
				dead = append(dead, d.ID)
			default:
				s.Failed.Add(1)
				ok, failed = false, err
			}
		}
		if ok {
			done = append(done, n.ID)
		}
	}
	if len(dead) > 0 {
		if _, err := s.client.Device.Delete().Where(device.IDIn(dead...)).Exec(ctx); err != nil {
			return err
		}
	}
	if len(done) > 0 {
		if err := s.client.Notification.Update().Where(notification.IDIn(done...)).SetPushedAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	if len(later) > 0 {
		var ps []river.InsertManyParams
		for at, ids := range later {
			ps = append(ps, pushJobs(ids, at)...)
		}
		if rc, err := river.ClientFromContextSafely[*sql.Tx](ctx); err == nil {
			if _, err := rc.InsertMany(ctx, ps); err != nil {
				return err
			}
		} else if _, err := s.river.InsertMany(ctx, ps); err != nil {
			return err
		}
	}
	return failed
}

// wait keeps to the configured delivery rate.
func (s *Service) wait(ctx context.Context) error {
	if s.limiter == nil {
		return nil
	}
	return s.limiter.Wait(ctx)
}

// message is the push of n to d: a title and body from the templates in the device's language,
// and a deep link. An account's link is the node the notification is about; a citizen's is the
// id of their device's registration, which deviceRegister answered and the app keeps beside the
// tracking code and secret: it opens nothing without them.
func message(n *ent.Notification, d *ent.Device) Message {
	title, body := Render(Kind(n.Kind), d.Locale.String(), n.Params)
	link := "liemchinh://node/" + n.SubjectID
	if n.AccountID == nil {
		link = "liemchinh://case/" + d.ID
	}
	return Message{Token: d.Token, Platform: d.Platform.String(), Title: title, Body: body,
		Data: map[string]string{"kind": n.Kind, "link": link, "notificationId": n.ID}}
}

func muted(st *ent.NotificationSetting, k Kind) bool {
	if st == nil {
		return false
	}
	for _, m := range st.MutedKinds {
		if m == string(k) {
			return true
		}
	}
	return false
}

// quietUntil returns the end of the quiet hours now falls in (Vietnam time), if it does.
func quietUntil(st *ent.NotificationSetting, now time.Time) (time.Time, bool) {
	on, start, end := true, defaultQuietStart, defaultQuietEnd
	if st != nil {
		on, start, end = st.QuietHours, st.QuietStart, st.QuietEnd
	}
	if !on || start == end {
		return time.Time{}, false
	}
	local := now.In(workdays.Vietnam)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, workdays.Vietnam)
	m := local.Hour()*60 + local.Minute()
	at := func(day, minute int) time.Time {
		return midnight.AddDate(0, 0, day).Add(time.Duration(minute) * time.Minute)
	}
	if start < end { // e.g. 12:00-14:00
		if m >= start && m < end {
			return at(0, end), true
		}
		return time.Time{}, false
	}
	// Across midnight, e.g. 21:00-07:00.
	if m >= start {
		return at(1, end), true
	}
	if m < end {
		return at(0, end), true
	}
	return time.Time{}, false
}
