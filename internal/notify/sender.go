package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// Message is one push to one device: a title, a body and data, nothing else.
type Message struct {
	Token    string
	Platform string // ANDROID, IOS or WEB
	Title    string
	Body     string
	Data     map[string]string // kind, link, notificationId
}

// Sender delivers pushes.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrDeadToken is a Sender's answer for a token the push service no longer knows (the app was
// removed, or the token replaced): the device is forgotten.
var ErrDeadToken = errors.New("notify: the push service says the token is no longer valid")

// LogSender writes each push to the log (without the token), the default sender.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (s LogSender) Send(ctx context.Context, m Message) error {
	if s.Log != nil {
		s.Log.InfoContext(ctx, "push (log sender)", "platform", m.Platform, "kind", m.Data["kind"], "title", m.Title)
	}
	return nil
}

// FCM sends through Firebase Cloud Messaging's HTTP v1 API, authorised as a service account.
type FCM struct {
	endpoint string // base URL, e.g. https://fcm.googleapis.com
	project  string
	client   *http.Client // adds the OAuth2 bearer token
}

// fcmIdleConns is how many idle connections to FCM the default client keeps: as many as pushes
// run at once (JOBS_WORKERS, 10 by default) with room to spare.
const fcmIdleConns = 32

// fcmScope is the OAuth2 scope of sending messages.
const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// NewFCM reads the service account's JSON (GOOGLE_APPLICATION_CREDENTIALS) and returns a sender
// to endpoint. The token is fetched from the file's token_uri (so a local fake can stand in) with
// base as the HTTP client (nil: the default), and refreshed before it expires.
func NewFCM(ctx context.Context, credentialsFile, endpoint string, base *http.Client) (*FCM, error) {
	b, err := os.ReadFile(credentialsFile)
	if err != nil {
		return nil, fmt.Errorf("fcm credentials: %w", err)
	}
	return NewFCMFromJSON(ctx, b, endpoint, base)
}

// NewFCMFromJSON is NewFCM with the credentials' JSON.
func NewFCMFromJSON(ctx context.Context, credentials []byte, endpoint string, base *http.Client) (*FCM, error) {
	var sa struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(credentials, &sa); err != nil || sa.ProjectID == "" {
		return nil, errors.New("fcm credentials: not a service account's JSON with a project_id")
	}
	if base == nil {
		// Go's default transport keeps 2 idle connections per host: with a worker per push
		// running at once, most pushes would open a new TLS connection to FCM.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = fcmIdleConns
		base = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	// The token source keeps the context it was made with for every refresh: a background one,
	// carrying the HTTP client the token requests go through.
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, base)
	creds, err := google.CredentialsFromJSONWithType(tctx, credentials, google.ServiceAccount, fcmScope)
	if err != nil {
		return nil, fmt.Errorf("fcm credentials: %w", err)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &oauth2.Transport{Source: creds.TokenSource, Base: base.Transport}}
	return &FCM{endpoint: strings.TrimRight(endpoint, "/"), project: sa.ProjectID, client: client}, nil
}

type fcmMessage struct {
	Message struct {
		Token        string            `json:"token"`
		Notification fcmNotification   `json:"notification"`
		Data         map[string]string `json:"data,omitempty"`
		Android      *struct {
			Priority string `json:"priority"`
		} `json:"android,omitempty"`
	} `json:"message"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Send posts m to FCM. A 404, or an error whose details say UNREGISTERED, is ErrDeadToken; a 400
// that says the token is not a valid one too. Anything else non-2xx is an error to retry.
func (f *FCM) Send(ctx context.Context, m Message) error {
	var msg fcmMessage
	msg.Message.Token = m.Token
	msg.Message.Notification = fcmNotification{Title: m.Title, Body: m.Body}
	msg.Message.Data = m.Data
	if m.Platform == "ANDROID" {
		msg.Message.Android = &struct {
			Priority string `json:"priority"`
		}{"high"}
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	url := fmt.Sprintf("%s/v1/projects/%s/messages:send", f.endpoint, f.project)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	rsp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("fcm: %w", err)
	}
	defer rsp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(rsp.Body, 64<<10))
	if rsp.StatusCode/100 == 2 {
		return nil
	}
	if dead(rsp.StatusCode, body) {
		return ErrDeadToken
	}
	return fmt.Errorf("fcm: HTTP %d: %s", rsp.StatusCode, fcmStatus(body))
}

// fcmError is FCM v1's error body.
type fcmError struct {
	Error struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
		Details []struct {
			Type      string `json:"@type"`
			ErrorCode string `json:"errorCode"`
		} `json:"details"`
	} `json:"error"`
}

func dead(status int, body []byte) bool {
	if status == http.StatusNotFound {
		return true
	}
	var e fcmError
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	for _, d := range e.Error.Details {
		if d.ErrorCode == "UNREGISTERED" {
			return true
		}
	}
	return status == http.StatusBadRequest && e.Error.Status == "INVALID_ARGUMENT" &&
		strings.Contains(strings.ToLower(e.Error.Message), "registration token")
}

// fcmStatus is the status word of an error body (never the body: it could echo the token).
func fcmStatus(body []byte) string {
	var e fcmError
	if json.Unmarshal(body, &e) != nil || e.Error.Status == "" {
		return "unknown error"
	}
	return e.Error.Status
}
