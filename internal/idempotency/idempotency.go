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
	// ReplayReceipt is the signed receipt the first request answered (KeepReceipt), if any: a
	// retry answers these very bytes rather than a receipt signed again.
	ReplayReceipt string
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
// secret is otherwise stored only hashed). One UPDATE: nothing is read back.
func (c *Claim) DoneSealed(ctx context.Context, resultID string, sealed []byte) error {
	u := c.client.IdempotencyKey.Update().Where(idempotencykey.ID(c.row.ID)).SetResultID(resultID)
	if sealed != nil {
		u.SetResultSealed(sealed)
	}
	return u.Exec(authz.System(ctx, authz.SysIdempotency))
}

// KeepReceipt records the signed receipt the first request answers, for its retries. One UPDATE.
func (c *Claim) KeepReceipt(ctx context.Context, receipt string) error {
	return c.client.IdempotencyKey.Update().Where(idempotencykey.ID(c.row.ID)).SetResultReceipt(receipt).
		Exec(authz.System(ctx, authz.SysIdempotency))
}

// Begin claims (owner, operation, key) for a request whose input is input (the key excluded), with
// the transaction's client. The caller does its work only when the claim is not a replay, then
// calls Done with the id of what it made.
func Begin(ctx context.Context, tx *ent.Client, owner, operation, key string, input any) (*Claim, error) {
	r, err := NewRequest(owner, operation, key, input)
	if err != nil {
		return nil, err
	}
	return r.Begin(ctx, tx)
}

// Request is a key checked and its input hashed, before it is claimed.
type Request struct {
	owner, operation, key, hash string
	// Box seals the secret a retry must get back, for a key of a caller without an account
	// (NewAnonymousRequest); nil otherwise (the caller seals with its own).
	Box *sealbox.Box
}

// NewRequest prepares (owner, operation, key) for a request whose input is input.
func NewRequest(owner, operation, key string, input any) (*Request, error) {
	key, body, err := prepare(key, input)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &Request{owner: owner, operation: operation, key: key, hash: hex.EncodeToString(sum[:])}, nil
}

// Begin claims the key; the caller records the result with Done once its work is done.
func (r *Request) Begin(ctx context.Context, tx *ent.Client) (*Claim, error) {
	return begin(ctx, tx, r, Result{})
}

// Result is what the first request answers, recorded with its claim for its retries.
type Result struct {
	ID     string // the id of what the request makes
	Sealed []byte // a sealed secret a retry must get back too (optional)
	// Receipt is the signed receipt the first request answers (optional; KeepReceipt records
	// one signed only after the claim).
	Receipt string
}

// BeginDone claims the key with its result recorded at once: for a request whose result id (and
// sealed secret, and receipt) are chosen before its work is done. The claim's row is written in
// the request's transaction, so nobody sees the result before the work commits with it, and a
// rollback takes both away; a user error after the claim must Release it. The claim costs one
// statement (two for a retry), and no Done follows.
func (r *Request) BeginDone(ctx context.Context, tx *ent.Client, res Result) (*Claim, error) {
	if res.ID == "" {
		return nil, errors.New("idempotency: BeginDone without a result")
	}
	return begin(ctx, tx, r, res)
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

// newClaim is a claim's nonce.
func newClaim() string {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	return hex.EncodeToString(nonce[:])
}

// begin claims the request's key, recording res with it when its ID is not empty.
func begin(ctx context.Context, tx *ent.Client, r *Request, res Result) (*Claim, error) {
	claim := newClaim()
	sys := authz.System(ctx, authz.SysIdempotency)
	create := tx.IdempotencyKey.Create().SetOwner(r.owner).SetOperation(r.operation).SetKey(r.key).
		SetRequestHash(r.hash).SetClaim(claim)
	if res.ID != "" {
		create.SetResultID(res.ID).SetResultSealed(res.Sealed)
		if res.Receipt != "" {
			create.SetResultReceipt(res.Receipt)
		}
	}
	id, err := create.OnConflictColumns(idempotencykey.FieldOwner, idempotencykey.FieldOperation, idempotencykey.FieldKey).
		DoNothing().ID(sys)
	if err == nil {
		// Claimed: the row is the one just written, nothing to read back.
		return &Claim{row: &ent.IdempotencyKey{ID: id, Claim: claim}, client: tx, Box: r.Box}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	// Taken: by an earlier request with this key (a retry), or by a concurrent one that committed.
	row, err := tx.IdempotencyKey.Query().Where(idempotencykey.Owner(r.owner), idempotencykey.Operation(r.operation),
		idempotencykey.Key(r.key)).Only(sys)
	if err != nil {
		return nil, err
	}
	c := &Claim{row: row, client: tx, Box: r.Box}
	if row.RequestHash != r.hash {
		return nil, errReused
	}
	if row.ResultID == "" {
		return nil, errBusy
	}
	c.ReplayID = row.ResultID
	if row.ResultSealed != nil {
		c.ReplaySealed = *row.ResultSealed
	}
	if row.ResultReceipt != nil {
		c.ReplayReceipt = *row.ResultReceipt
	}
	return c, nil
}
