package notify

import (
	"context"
	"database/sql"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/ent/notificationsetting"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Inbox pages the signed-in account's notifications, newest first.
func (s *Service) Inbox(ctx context.Context, after *entgql.Cursor[string], first *int, unreadOnly bool) (*ent.NotificationConnection, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	q := store.ClientFrom(ctx, s.client).Notification.Query().Where(notification.AccountID(v.AccountID))
	if unreadOnly {
		q = q.Where(notification.ReadAtIsNil())
	}
	newest := &ent.NotificationOrder{Direction: entgql.OrderDirectionDesc, Field: ent.DefaultNotificationOrder.Field}
	return q.Paginate(ctx, after, first, nil, nil, ent.WithNotificationOrder(newest))
}

// MarkRead marks one of the signed-in account's notifications read (id), or all of them (nil),
// and returns how many it marked.
func (s *Service) MarkRead(ctx context.Context, id *string) (int, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return 0, authz.ErrUnauthenticated
	}
	u := store.ClientFrom(ctx, s.client).Notification.Update().
		Where(notification.AccountID(v.AccountID), notification.ReadAtIsNil())
	if id != nil {
		n, err := store.ClientFrom(ctx, s.client).Notification.Query().Where(notification.ID(*id)).Exist(ctx)
		if err != nil {
			return 0, err
		}
		if !n { // not theirs, or none: the same answer
			return 0, errNoNotification
		}
		u = u.Where(notification.ID(*id))
	}
	return u.SetReadAt(s.opt.Now()).Save(authz.Grant(ctx, "notificationMarkRead", ent.TypeNotification))
}

var errNoNotification = apperr.New(apperr.NotFound, "Không tìm thấy thông báo.", "No such notification.")

// Settings are an account's notification preferences.
type Settings struct {
	Muted      []Kind
	QuietHours bool
	QuietStart int // minutes after midnight, Vietnam time
	QuietEnd   int
}

// ViewerSettings returns the signed-in account's preferences (the defaults until changed).
func (s *Service) ViewerSettings(ctx context.Context) (Settings, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return Settings{}, authz.ErrUnauthenticated
	}
	st, err := store.ClientFrom(ctx, s.client).NotificationSetting.Query().
		Where(notificationsetting.AccountID(v.AccountID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Settings{QuietHours: true, QuietStart: defaultQuietStart, QuietEnd: defaultQuietEnd}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	out := Settings{QuietHours: st.QuietHours, QuietStart: st.QuietStart, QuietEnd: st.QuietEnd}
	for _, m := range st.MutedKinds {
		out.Muted = append(out.Muted, Kind(m))
	}
	return out, nil
}

// UpdateSettings replaces the signed-in account's preferences.
func (s *Service) UpdateSettings(ctx context.Context, in Settings) (Settings, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return Settings{}, authz.ErrUnauthenticated
	}
	muted := []string{}
	for _, k := range in.Muted {
		if !k.Valid() {
			return Settings{}, apperr.BadInput("Loại thông báo không hợp lệ.", "Unknown notification kind.", "input", "muted")
		}
		muted = append(muted, string(k))
	}
	if in.QuietStart < 0 || in.QuietStart >= 24*60 || in.QuietEnd < 0 || in.QuietEnd >= 24*60 {
		return Settings{}, apperr.BadInput("Giờ yên lặng phải trong khoảng 00:00 đến 23:59.", "Quiet hours must lie between 00:00 and 23:59.", "input", "quietStart")
	}
	ctx = authz.Grant(ctx, "notificationSettingsUpdate", ent.TypeNotificationSetting)
	c := store.ClientFrom(ctx, s.client)
	n, err := c.NotificationSetting.Update().Where(notificationsetting.AccountID(v.AccountID)).SetMutedKinds(muted).
		SetQuietHours(in.QuietHours).SetQuietStart(in.QuietStart).SetQuietEnd(in.QuietEnd).Save(ctx)
	if err == nil && n == 0 {
		err = c.NotificationSetting.Create().SetAccountID(v.AccountID).SetMutedKinds(muted).SetQuietHours(in.QuietHours).
			SetQuietStart(in.QuietStart).SetQuietEnd(in.QuietEnd).Exec(ctx)
	}
	if err != nil {
		return Settings{}, err
	}
	return s.ViewerSettings(ctx)
}

// QueueStats is the job queue at a glance, for administrators.
type QueueStats struct {
	ByState   map[string]int // River's job states: available, scheduled, running, retryable, completed, discarded, cancelled
	Unpushed  int            // notifications not pushed yet
	OldestDue *time.Time     // the oldest job waiting to run
}

// Stats counts the jobs by state (administrators only).
func (s *Service) Stats(ctx context.Context) (QueueStats, error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return QueueStats{}, err
	}
	return s.Depth(ctx)
}

// Depth counts the jobs by state, for the metrics and Stats.
func (s *Service) Depth(ctx context.Context) (QueueStats, error) {
	st := QueueStats{ByState: map[string]int{}}
	rows, err := s.db.SQL.QueryContext(ctx, "SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.ByState[state] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	var oldest sql.NullString
	if err := s.db.SQL.QueryRowContext(ctx, "SELECT min(scheduled_at) FROM river_job WHERE state = 'available'").Scan(&oldest); err != nil {
		return st, err
	}
	if oldest.Valid {
		if t, err := parseDBTime(oldest.String); err == nil {
			st.OldestDue = &t
		}
	}
	err = s.db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE pushed_at IS NULL").Scan(&st.Unpushed)
	return st, err
}

func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Parse("2006-01-02T15:04:05.999Z", s)
}
