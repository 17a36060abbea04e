// Package audit writes the audit log: every state-changing action and every read of protected data
// (a reporter's identity), with actor, action, object, time, a short summary without personal data,
// and the reason when one is required.
package audit

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Entry is one line of the audit log.
type Entry struct {
	Action     string // e.g. login, accountCreate, caseReporterRead
	ObjectType string
	ObjectID   string
	Summary    string // never personal data
	Reason     string // when the action requires one
	ActorID    string // defaults to the viewer's account
}

// Record writes an entry with client (use the transaction's client so the entry commits or rolls
// back with the action it records).
func Record(ctx context.Context, client *ent.Client, e Entry) error {
	return Create(ctx, client, e).Exec(authz.System(ctx, authz.SysAudit))
}

// Create is the entry's row as Record writes it, for a caller that writes many in one statement
// (CreateBulk, under authz.System(ctx, authz.SysAudit)); ctx is the request the entry is about
// (its viewer and address).
func Create(ctx context.Context, client *ent.Client, e Entry) *ent.AuditEventCreate {
	actor := e.ActorID
	if actor == "" {
		actor = authz.FromContext(ctx).AccountID
	}
	// A citizen's address would tie them to their case: it is kept only for account holders.
	ip := ""
	if actor != "" {
		ip = authz.ClientIP(ctx)
	}
	c := client.AuditEvent.Create().
		SetAction(e.Action).SetObjectType(e.ObjectType).SetObjectID(e.ObjectID).
		SetSummary(e.Summary).SetClientIP(ip).SetOccurredAt(time.Now())
	if e.Reason != "" {
		c.SetReason(e.Reason)
	}
	if actor != "" {
		c.SetActorID(actor)
	}
	return c
}
