package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// seen is what one signed-in request saw: its answer and the statements it cost.
type seen struct {
	status     int
	code       string
	role       string
	scopeKind  string
	statements int
	raw        string
}

func (s seen) ok() bool { return s.status == http.StatusOK && s.code == "" && s.role != "" }

// ask sends a signed-in request that reads nothing but the viewer, counting its statements on db.
func ask(t *testing.T, db *testutil.DB, api *testutil.API) seen {
	t.Helper()
	db.Counter.Reset()
	r := api.Query(t, `{ viewer { role scopeKind } }`, nil)
	s := seen{status: r.Status, code: r.Code(), statements: db.Counter.Requests(), raw: string(r.Raw)}
	var out struct {
		Viewer *struct{ Role, ScopeKind string }
	}
	if len(r.Errors) == 0 && json.Unmarshal(r.Data, &out) == nil && out.Viewer != nil {
		s.role, s.scopeKind = out.Viewer.Role, out.Viewer.ScopeKind
	}
	return s
}

// cacheOf returns the API's account cache once it is up (on PostgreSQL, once it listens).
func cacheOf(t *testing.T, api *testutil.API) *auth.AccountCache {
	t.Helper()
	c := api.Auth.Cache()
	if c == nil {
		t.Fatal("the server has no account cache")
	}
	if !c.WaitUp(true, time.Now().Add(30*time.Second)) {
		t.Fatal("the account cache did not come up")
	}
	return c
}

// warm signs in as the API's viewer twice and checks the second request is answered from the
// cache: one statement fewer than the first. It returns the warm request's count.
func warm(t *testing.T, db *testutil.DB, api *testutil.API) int {
	t.Helper()
	cold, hot := ask(t, db, api), ask(t, db, api)
	if !cold.ok() || !hot.ok() {
		t.Fatalf("signed-in requests: %s / %s", cold.raw, hot.raw)
	}
	if hot.statements != cold.statements-1 {
		t.Fatalf("warm request cost %d statements, the first %d: want one fewer", hot.statements, cold.statements)
	}
	return hot.statements
}

func accountID(t *testing.T, db *testutil.DB, login string) string {
	t.Helper()
	id, err := db.Client.Account.Query().Where(account.Login(login)).OnlyID(authz.System(context.Background(), authz.SysTestFixture))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAccountCacheStatements: a signed-in request costs one statement fewer once the account is
// cached, on every request after the first; with ACCOUNT_CACHE_SIZE=0 every request reads it.
func TestAccountCacheStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		cacheOf(t, api)
		user := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		cold := ask(t, db, user)
		for i := range 3 {
			if s := ask(t, db, user); !s.ok() || s.statements != cold.statements-1 {
				t.Fatalf("request %d after the first: %d statements (first: %d), %s", i+2, s.statements, cold.statements, s.raw)
			}
		}
		off := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"ACCOUNT_CACHE_SIZE": "0"})).As(user.Token())
		if off.Auth.Cache() != nil {
			t.Fatal("ACCOUNT_CACHE_SIZE=0 still built a cache")
		}
		for range 2 {
			if s := ask(t, db, off); !s.ok() || s.statements != cold.statements {
				t.Fatalf("without the cache: %d statements, want %d", s.statements, cold.statements)
			}
		}
		t.Logf("%s: statements of a signed-in { viewer } request: %d without the cache, %d with it",
			dia, cold.statements, cold.statements-1)
	})
}

// TestAccountChangesTakeEffectAtOnce: with the viewer's account cached, disabling it, changing its
// role and scope (through the API, which ends its sessions, or written directly, which does not),
// and changing its password each hold on the very next request: on the process that made the
// change, and on another process sharing the PostgreSQL database once it has heard the
// notification (awaited on its cache, no sleep).
func TestAccountChangesTakeEffectAtOnce(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1, Officials: 1, Pledges: 1})
		sys := authz.System(context.Background(), authz.SysTestFixture)
		prov, err := db.Client.Province.Query().FirstID(sys)
		if err != nil {
			t.Fatal(err)
		}
		cfg := testutil.Config(t, nil)
		writer := testutil.NewAPI(t, db, cfg)
		cacheOf(t, writer)
		admin := writer.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")

		type process struct {
			name string
			db   *testutil.DB
			api  *testutil.API
		}
		readers := []process{{"same process", db, writer}}
		if dia == dialect.Postgres {
			other := testutil.Reopen(t, db)
			readers = append(readers, process{"other process", other, testutil.NewAPI(t, other, cfg)})
		}
		changes := []struct {
			name string
			// change changes the account behind user (login) and returns the token to ask with next.
			change func(t *testing.T, user *testutil.API, id string) *testutil.API
			want   func(s seen) bool
		}{
			{"disabled", func(t *testing.T, user *testutil.API, id string) *testutil.API {
				r := admin.Query(t, `mutation($id: ID!) { accountDisable(input: {accountId: $id, reason: "Nghỉ việc"}) { account { disabled } userErrors { code } } }`,
					map[string]any{"id": id})
				if !contains(r.Data, `"disabled":true`) {
					t.Fatalf("accountDisable: %s", r.Raw)
				}
				return user
			}, func(s seen) bool { return s.status == http.StatusUnauthorized && s.code == "UNAUTHENTICATED" }},
			{"role and scope set", func(t *testing.T, user *testutil.API, id string) *testutil.API {
				r := admin.Query(t, `mutation($id: ID!, $p: ID!) { accountSetRole(input: {accountId: $id, role: INSPECTOR, scopeKind: PROVINCE, scopeProvinceId: $p}) { account { role } userErrors { code } } }`,
					map[string]any{"id": id, "p": prov})
				if !contains(r.Data, `"role":"INSPECTOR"`) {
					t.Fatalf("accountSetRole: %s", r.Raw)
				}
				return user
			}, func(s seen) bool { return s.status == http.StatusUnauthorized && s.code == "UNAUTHENTICATED" }},
			{"role and scope written directly", func(t *testing.T, user *testutil.API, id string) *testutil.API {
				// No token version change: only the cached role and scope can be wrong.
				if err := db.Client.Account.UpdateOneID(id).SetRole(account.RoleINSPECTOR).SetScopeKind(account.ScopeKindPROVINCE).
					SetScopeProvinceID(prov).Exec(sys); err != nil {
					t.Fatal(err)
				}
				return user
			}, func(s seen) bool { return s.ok() && s.role == "INSPECTOR" && s.scopeKind == "PROVINCE" }},
			{"password changed", func(t *testing.T, user *testutil.API, id string) *testutil.API {
				r := writer.As(user.Token()).Query(t, `mutation { passwordChange(input: {currentPassword: "`+testutil.Password+`", newPassword: "mat-khau-moi-dai-hon"}) { accessToken userErrors { code } } }`, nil)
				var out struct{ PasswordChange struct{ AccessToken string } }
				r.Decode(t, &out)
				if out.PasswordChange.AccessToken == "" {
					t.Fatalf("passwordChange: %s", r.Raw)
				}
				return user // the old token
			}, func(s seen) bool { return s.status == http.StatusUnauthorized && s.code == "UNAUTHENTICATED" }},
		}
		for _, reader := range readers {
			for _, c := range changes {
				t.Run(reader.name+"/"+c.name, func(t *testing.T) {
					login := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
					access, _ := writer.Login(t, login, testutil.Password)
					user := reader.api.As(access)
					cache := cacheOf(t, reader.api)
					warm(t, reader.db, user)
					before := cache.Seen()
					next := c.change(t, user, accountID(t, db, login))
					if reader.api != writer {
						if !cache.WaitSeen(before, time.Now().Add(10*time.Second)) {
							t.Fatal("the other process never heard of the change")
						}
					}
					if s := ask(t, reader.db, next); !c.want(s) {
						t.Fatalf("next request after the change: %s", s.raw)
					}
				})
			}
		}
	})
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestAccountChangeRolledBack: a change of an account in a transaction that rolls back neither
// changes what the next request sees nor drops the account from the cache (on PostgreSQL its
// NOTIFY is discarded with the transaction: a later committed change's notification, which comes
// after any the rolled-back one could have sent, is awaited first).
func TestAccountChangeRolledBack(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		cache := cacheOf(t, api)
		sys := authz.System(context.Background(), authz.SysTestFixture)
		login := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		access, _ := api.Login(t, login, testutil.Password)
		user := api.As(access)
		hot := warm(t, db, user)
		id := accountID(t, db, login)

		before := cache.Seen()
		tx, err := db.Client.Tx(sys)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Account.UpdateOneID(id).SetDisabled(true).SetRole(account.RoleINSPECTOR).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := cache.Seen(); n != before {
			t.Fatalf("the rolled-back change was announced (heard %d -> %d)", before, n)
		}
		// A committed change of another account: heard locally at once and, on PostgreSQL,
		// through its notification too, after any the rolled-back transaction sent.
		other := accountID(t, db, testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, ""))
		if err := db.Client.Account.UpdateOneID(other).SetDisabled(true).Exec(sys); err != nil {
			t.Fatal(err)
		}
		want := before + 1
		if dia == dialect.Postgres {
			want++
		}
		if !cache.WaitSeen(want-1, time.Now().Add(10*time.Second)) {
			t.Fatalf("the committed change was not heard (%d, want %d)", cache.Seen(), want)
		}
		s := ask(t, db, user)
		if !s.ok() || s.role != "SUPERVISOR" {
			t.Fatalf("after a rolled-back change: %s", s.raw)
		}
		if s.statements != hot {
			t.Fatalf("after a rolled-back change the account was read again (%d statements, warm %d): it was invalidated", s.statements, hot)
		}
	})
}

// TestAccountCacheListenerLoss (PostgreSQL): when the notification connection is lost, the cache
// is dropped and bypassed (every request reads the account, and sees a change nobody could
// announce to it) until the connection listens again.
func TestAccountCacheListenerLoss(t *testing.T) {
	if os.Getenv(testutil.EnvPostgres) == "" {
		t.Skip(testutil.EnvPostgres + " is not set: the listener exists on PostgreSQL only")
	}
	db := testutil.Open(t, dialect.Postgres)
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))
	cache := cacheOf(t, api)
	login := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
	access, _ := api.Login(t, login, testutil.Password)
	user := api.As(access)
	hot := warm(t, db, user)

	// End the listener's session from the server side, as a failover or a network cut would (the
	// events broker's: the job queue listens on a session of its own, for River's channels).
	admin, err := sql.Open("postgres", db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var ended int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN %'
		AND query NOT ILIKE '%river%'`).Scan(&ended); err != nil {
		t.Fatal(err)
	}
	if ended != 1 {
		t.Fatalf("%d listener sessions ended, want 1", ended)
	}
	if !cache.WaitUp(false, time.Now().Add(30*time.Second)) {
		t.Fatal("the cache did not notice the lost connection")
	}
	if cache.Len() != 0 {
		t.Fatalf("%d accounts still cached while down", cache.Len())
	}
	// Down: every request reads the account, and a change written with no way to reach this
	// process (raw SQL, no NOTIFY) is seen at once.
	for range 2 {
		if s := ask(t, db, user); !s.ok() || s.statements != hot+1 {
			t.Fatalf("while down: %d statements (warm %d), %s", s.statements, hot, s.raw)
		}
	}
	if _, err := admin.Exec(`UPDATE accounts SET role = 'INSPECTOR' WHERE login = $1`, login); err != nil {
		t.Fatal(err)
	}
	if s := ask(t, db, user); s.role != "INSPECTOR" {
		t.Fatalf("while down, a change is not seen at once: %s", s.raw)
	}
	// Back: the cache is used again, starting empty.
	if !cache.WaitUp(true, time.Now().Add(30*time.Second)) {
		t.Fatal("the cache did not come back with the connection")
	}
	if got := warm(t, db, user); got != hot {
		t.Fatalf("after reconnecting: warm request %d statements, want %d", got, hot)
	}
}
