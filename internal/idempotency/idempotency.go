// Package idempotency makes creating and submitting mutations safe to retry: the first request
// with a client-generated key claims it and records its result; a retry with the same key and
// input gets that result back and writes nothing; the same key with another input is a conflict.
//
// The claim is an INSERT ... ON CONFLICT DO NOTHING at the start of the mutation's transaction.
// Concurrent requests with one key therefore queue on the unique index: PostgreSQL makes the
// later ones wait for the first to commit (then they read its result) or roll back (then one of
// them claims the key); SQLite runs write transactions one at a time.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/idempotencykey"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

var (
	errKey = apperr.New(apperr.BadUserInput,
		"Thiếu idempotencyKey hoặc khoá dài quá 100 ký tự.",
		"idempotencyKey is missing or longer than 100 characters.").OnField("idempotencyKey")
	errReused = apperr.New(apperr.Conflict,
		"idempotencyKey này đã được dùng cho một yêu cầu khác.",
		"This idempotencyKey was already used for a different request.").OnField("idempotencyKey")
	errBusy = apperr.New(apperr.Conflict,
		"Yêu cầu với idempotencyKey này đang được xử lý; vui lòng thử lại.",
		"A request with this idempotencyKey is being processed; please retry.").OnField("idempotencyKey")
)

// Claim is a key claimed by the current request.
type Claim struct {
	row    *ent.IdempotencyKey
	client *ent.Client
	// ReplayID is the result of the first request when this one is a retry ("" otherwise).
	ReplayID string
	// ReplaySealed is the sealed secret the first request kept with its result, if any.
	ReplaySealed []byte
	// Box seals that secret, for a key of a caller without an account (BeginAnonymous): its key is
	// derived from the idempotency key. Nil otherwise: the caller seals with its own.
	Box *sealbox.Box
}

// Replay reports whether the request is a retry whose result is ReplayID.
func (c *Claim) Replay() bool { return c.ReplayID != "" }

// Release gives the key up when the request it was claimed for did not go through (a user error
// commits the transaction without a result): a corrected retry with the same key may then claim it.
func (c *Claim) Release(ctx context.Context) error {
	return c.client.IdempotencyKey.DeleteOne(c.row).Exec(authz.System(ctx, authz.SysIdempotency))
}

// Done records the result of the first request.
func (c *Claim) Done(ctx context.Context, resultID string) error {
	return c.DoneSealed(ctx, resultID, nil)
}

// DoneSealed records the result with a sealed secret a retry must get back too (a citizen's case
// secret is otherwise stored only hashed).
func (c *Claim) DoneSealed(ctx context.Context, resultID string, sealed []byte) error {
	u := c.client.IdempotencyKey.UpdateOne(c.row).SetResultID(resultID)
	if sealed != nil {
		u.SetResultSealed(sealed)
	}
	return u.Exec(authz.System(ctx, authz.SysIdempotency))
}

// Begin claims (owner, operation, key) for a request whose input is input (the key excluded), with
// the transaction's client. The caller does its work only when the claim is not a replay, then
// calls Done with the id of what it made.
func Begin(ctx context.Context, tx *ent.Client, owner, operation, key string, input any) (*Claim, error) {
	key, body, err := prepare(key, input)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return begin(ctx, tx, owner, operation, key, hex.EncodeToString(sum[:]))
}

// prepare checks a client's key (trimmed, 1 to 100 characters) and encodes the request's input.
func prepare(key string, input any) (string, []byte, error) {
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		return "", nil, errKey
	}
	body, err := json.Marshal(input)
	return key, body, err
}

// begin claims (owner, operation, key) for a request whose input hashes to hash.
func begin(ctx context.Context, tx *ent.Client, owner, operation, key, hash string) (*Claim, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	claim := hex.EncodeToString(nonce[:])
	sys := authz.System(ctx, authz.SysIdempotency)
	err := tx.IdempotencyKey.Create().SetOwner(owner).SetOperation(operation).SetKey(key).
		SetRequestHash(hash).SetClaim(claim).
		OnConflictColumns(idempotencykey.FieldOwner, idempotencykey.FieldOperation, idempotencykey.FieldKey).
		DoNothing().Exec(sys)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	row, err := tx.IdempotencyKey.Query().Where(idempotencykey.Owner(owner), idempotencykey.Operation(operation),
		idempotencykey.Key(key)).Only(sys)
	if err != nil {
		return nil, err
	}
	c := &Claim{row: row, client: tx}
	if row.Claim == claim {
		return c, nil
	}
	if row.RequestHash != hash {
		return nil, errReused
	}
	if row.ResultID == "" {
		return nil, errBusy
	}
	c.ReplayID = row.ResultID
	if row.ResultSealed != nil {
		c.ReplaySealed = *row.ResultSealed
	}
	return c, nil
}
