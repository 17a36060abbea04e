// Package delivery sends one-time codes (account activation, password reset) to a person's
// registered phone or e-mail: through an HTTP SMS gateway and an SMTP relay configured by
// environment, or, without them, to the log. The code is written to the log only outside
// production, so that a development server can be used without a gateway; in production the log
// says that a message was sent, to whom (masked), never the code.
package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// Channels a message goes through.
const (
	SMS   = "sms"
	Email = "email"
)

// Message is one code to deliver.
type Message struct {
	Channel string // SMS or Email
	To      string // phone number (E.164) or e-mail address
	Subject string // e-mail subject
	Text    string // the whole text, code included
	Code    string // the code itself, so that a log sender can leave it out
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Log writes messages to the log instead of sending them. Reveal includes the code and text
// (never in production: Config decides).
type Log struct {
	Logger *slog.Logger
	Reveal bool
}

// Send logs the message.
func (l Log) Send(ctx context.Context, m Message) error {
	attrs := []any{"channel", m.Channel, "to", Mask(m.To)}
	if l.Reveal {
		attrs = append(attrs, "code", m.Code)
	}
	l.Logger.InfoContext(ctx, "code delivery (logged, not sent)", attrs...)
	return nil
}

// Mask keeps the last three characters of a phone number, and the first character and domain
// of an e-mail address.
func Mask(to string) string {
	if at := strings.LastIndexByte(to, '@'); at > 0 {
		return to[:1] + "***" + to[at:]
	}
	if len(to) <= 3 {
		return "***"
	}
	return "***" + to[len(to)-3:]
}

// Router sends each message through the sender of its channel.
type Router struct {
	SMS, Email Sender
}

// Send routes m.
func (r Router) Send(ctx context.Context, m Message) error {
	switch m.Channel {
	case SMS:
		return r.SMS.Send(ctx, m)
	case Email:
		return r.Email.Send(ctx, m)
	}
	return fmt.Errorf("delivery: unknown channel %q", m.Channel)
}

// HTTPSMS posts {"to": ..., "text": ...} as JSON to a generic SMS gateway, with a bearer token.
type HTTPSMS struct {
	URL    string
	Token  string
	Client *http.Client
}

// Send posts the message; any answer other than 2xx is an error.
func (h HTTPSMS) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]string{"to": m.To, "text": m.Text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway: status %d", resp.StatusCode)
	}
	return nil
}

// SMTP sends e-mail through a relay (net/smtp): STARTTLS when the relay offers it, PLAIN auth
// (which net/smtp sends only over TLS or to localhost) when a user is set.
type SMTP struct {
	Addr, From, User, Password string
}

// Send sends one e-mail.
func (s SMTP) Send(ctx context.Context, m Message) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(s.From, "\r\n") {
		return errors.New("smtp: bad address")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return smtpReply(err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpReply(err)
	}
	msg := "From: " + s.From + "\r\nTo: " + m.To + "\r\nSubject: " + mime.QEncoding.Encode("utf-8", m.Subject) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(m.Text, "\n", "\r\n") + "\r\n"
	if _, err := io.WriteString(w, msg); err != nil {
		return smtpReply(err)
	}
	if err := w.Close(); err != nil {
		return smtpReply(err)
	}
	return c.Quit()
}

// smtpReply is the error of a step after the recipient was given: a relay's refusal keeps only
// its status code, since relays commonly echo the address ("550 5.1.1 <x@y>: user unknown") and
// callers log delivery errors.
func smtpReply(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return fmt.Errorf("smtp: relay answered %d", te.Code)
	}
	return fmt.Errorf("smtp: %w", err)
}

// Settings choose the senders (config.Accounts' fields).
type Settings struct {
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string
	SMSURL, SMSToken                           string
	Production                                 bool
}

// New returns the sender the settings describe: the SMS gateway and the SMTP relay when set, the
// log for a channel without one (revealing codes outside production only); override, when not
// nil, in place of all of them (tests).
func New(s Settings, log *slog.Logger, override Sender) Sender {
	if override != nil {
		return override
	}
	logged := Log{Logger: log, Reveal: !s.Production}
	r := Router{SMS: logged, Email: logged}
	if s.SMSURL != "" {
		r.SMS = HTTPSMS{URL: s.SMSURL, Token: s.SMSToken}
	}
	if s.SMTPAddr != "" {
		r.Email = SMTP{Addr: s.SMTPAddr, From: s.SMTPFrom, User: s.SMTPUser, Password: s.SMTPPassword}
	}
	return r
}
