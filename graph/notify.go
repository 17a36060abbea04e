package graph

import (
	"context"

	"github.com/liemchinh/liemchinh/graph/model"
	"github.com/liemchinh/liemchinh/internal/notify"
)

// preferences maps notify's settings to the GraphQL type.
func preferences(s notify.Settings) *model.NotificationPreferences {
	out := &model.NotificationPreferences{Muted: []model.NotificationKind{}, QuietHours: s.QuietHours,
		QuietStart: s.QuietStart, QuietEnd: s.QuietEnd}
	for _, k := range s.Muted {
		out.Muted = append(out.Muted, model.NotificationKind(k))
	}
	return out
}

// deviceInput maps deviceRegister's input.
func deviceInput(in model.DeviceRegisterInput) notify.DeviceInput {
	return notify.DeviceInput{Platform: string(in.Platform), Token: in.Token, Locale: deref(in.Locale)}
}

// trackedCaseID returns the case of a tracking code and secret when both are given ("" when
// neither is: the signed-in account's device).
func (r *Resolver) trackedCaseID(ctx context.Context, code, secret *string) (string, error) {
	if code == nil && secret == nil {
		return "", nil
	}
	c, err := r.cases.Tracked(ctx, deref(code), deref(secret))
	if err != nil {
		return "", err
	}
	return c.ID, nil
}
