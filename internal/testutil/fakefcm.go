package testutil

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FakeFCM is a stand-in for Google's OAuth2 token endpoint and FCM's HTTP v1 send endpoint, for
// the real notify.FCM sender to talk to: it hands out one access token for a signed JWT
// assertion, counts every message (atomically, so it keeps up with many concurrent senders),
// keeps the first Keep messages with the bearer they came with, and answers 404 UNREGISTERED for
// the tokens marked dead.
type FakeFCM struct {
	URL string // base URL: PUSH_FCM_ENDPOINT; its /token is the credentials' token_uri

	srv    *httptest.Server
	sent   atomic.Int64 // messages accepted or refused as dead
	tokens atomic.Int64 // access tokens handed out
	first  atomic.Int64 // UnixNano of the first message, 0 before
	last   atomic.Int64 // UnixNano of the latest message
	keep   int
	mu     sync.Mutex
	got    []FCMReceived
	dead   map[string]bool
	notify chan struct{}
}

// FCMReceived is one message as the fake received it.
type FCMReceived struct {
	At      time.Time
	Auth    string // the Authorization header
	Project string
	Msg     struct {
		Token        string                       `json:"token"`
		Notification struct{ Title, Body string } `json:"notification"`
		Data         map[string]string            `json:"data"`
	}
	Raw string // the request body
}

// DefaultFCMKeep is how many messages a NewFakeFCM keeps in full.
const DefaultFCMKeep = 10_000

// NewFakeFCM starts a fake that keeps the first keep messages in full (0: DefaultFCMKeep; a
// negative number: none, only counts), closed when the test ends.
func NewFakeFCM(t testing.TB, keep int) *FakeFCM {
	t.Helper()
	if keep == 0 {
		keep = DefaultFCMKeep
	}
	f := &FakeFCM{keep: max(keep, 0), dead: map[string]bool{}, notify: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		f.tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"fake-access-token","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := FCMReceived{At: time.Now(), Auth: r.Header.Get("Authorization"), Project: r.PathValue("project")}
		var body struct {
			Message json.RawMessage `json:"message"`
		}
		if err := json.Unmarshal(b, &body); err != nil || json.Unmarshal(body.Message, &rec.Msg) != nil || rec.Msg.Token == "" {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		dead := f.dead[rec.Msg.Token]
		if len(f.got) < f.keep {
			rec.Raw = string(b)
			f.got = append(f.got, rec)
		}
		f.mu.Unlock()
		now := rec.At.UnixNano()
		f.first.CompareAndSwap(0, now)
		f.last.Store(now)
		f.sent.Add(1)
		select { // wake an Await, never block
		case f.notify <- struct{}{}:
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		if dead {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
				"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`)
			return
		}
		_, _ = io.WriteString(w, `{"name":"projects/`+rec.Project+`/messages/1"}`)
	})
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// MarkDead makes the fake answer 404 UNREGISTERED to messages to token.
func (f *FakeFCM) MarkDead(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead[token] = true
}

// Credentials writes a service account's JSON (GOOGLE_APPLICATION_CREDENTIALS) whose token_uri is
// the fake's, and returns its path.
func (f *FakeFCM) Credentials(t testing.TB) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "liemchinh-test", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "push@liemchinh-test.iam.gserviceaccount.com", "client_id": "1",
		"token_uri": f.URL + "/token",
	})
	p := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Await returns the kept messages to token once n have arrived, or fails after 15 seconds.
func (f *FakeFCM) Await(t testing.TB, token string, n int) []FCMReceived {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		var out []FCMReceived
		for _, m := range f.Received() {
			if m.Msg.Token == token {
				out = append(out, m)
			}
		}
		if len(out) >= n {
			return out
		}
		select {
		case <-f.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d push(es) to %s, want %d", len(out), token, n)
		}
	}
}

// AwaitCount waits until n messages have arrived in all, or fails after within.
func (f *FakeFCM) AwaitCount(t testing.TB, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for f.Count() < n {
		select {
		case <-f.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d pushes arrived, want %d", f.Count(), n)
		}
	}
}

// Received is a copy of the kept messages, in arrival order.
func (f *FakeFCM) Received() []FCMReceived {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FCMReceived(nil), f.got...)
}

// Count is the number of messages that arrived.
func (f *FakeFCM) Count() int { return int(f.sent.Load()) }

// Tokens is the number of access tokens handed out.
func (f *FakeFCM) Tokens() int { return int(f.tokens.Load()) }

// Span is the time from the first message's arrival to the latest's (0 before two arrived).
func (f *FakeFCM) Span() time.Duration {
	first, last := f.first.Load(), f.last.Load()
	if first == 0 {
		return 0
	}
	return time.Duration(last - first)
}
