package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
)

// The log sender writes the code only outside production; the recipient is always masked.
func TestLogSender(t *testing.T) {
	m := Message{Channel: SMS, To: "+84901234567", Text: "ma ABCD-EFGH-JKMN", Code: "ABCD-EFGH-JKMN"}
	for _, prod := range []bool{true, false} {
		var buf bytes.Buffer
		s := New(Settings{Production: prod}, slog.New(slog.NewJSONHandler(&buf, nil)), nil)
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "0901234") || !strings.Contains(out, "***567") {
			t.Fatalf("production %v: recipient not masked: %s", prod, out)
		}
		if strings.Contains(out, m.Code) == prod {
			t.Fatalf("production %v: code in the log is %v: %s", prod, !prod, out)
		}
	}
	if got := Mask("clerk@test.vn"); got != "c***@test.vn" {
		t.Fatalf("mask e-mail: %s", got)
	}
}

// The HTTP SMS gateway gets the number and text as JSON with the bearer token; a non-2xx answer
// is an error.
func TestHTTPSMS(t *testing.T) {
	var got map[string]string
	var auth string
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	s := New(Settings{SMSURL: srv.URL, SMSToken: "tok", Production: true}, slog.Default(), nil)
	m := Message{Channel: SMS, To: "+84901234567", Text: "hello", Code: "X"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got["to"] != m.To || got["text"] != "hello" || auth != "Bearer tok" {
		t.Fatalf("gateway got %v, %q", got, auth)
	}
	status = http.StatusBadGateway
	if err := s.Send(context.Background(), m); err == nil {
		t.Fatal("a 502 from the gateway was taken for success")
	}
}

// A relay refusing the recipient usually echoes the address; the error (which callers log)
// keeps only the status code.
func TestSMTPRefusalLeavesAddressOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tp := textproto.NewConn(conn)
		_ = tp.PrintfLine("220 relay ready")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); {
			case cmd == "EHLO" || cmd == "HELO":
				_ = tp.PrintfLine("250 relay")
			case cmd == "MAIL":
				_ = tp.PrintfLine("250 ok")
			case cmd == "RCPT":
				_ = tp.PrintfLine("550 5.1.1 %s: Recipient address rejected", strings.TrimPrefix(line, "RCPT TO:"))
			case cmd == "QUIT":
				_ = tp.PrintfLine("221 bye")
				return
			default:
				_ = tp.PrintfLine("502 no")
			}
		}
	}()
	to := "nguyen.van.a@donvi.gov.vn"
	err = SMTP{Addr: ln.Addr().String(), From: "noreply@liemchinh.vn"}.Send(context.Background(),
		Message{Channel: Email, To: to, Subject: "s", Text: "t", Code: "ABCD"})
	if err == nil {
		t.Fatal("refused recipient: no error")
	}
	if strings.Contains(err.Error(), "nguyen.van.a") || !strings.Contains(err.Error(), "550") {
		t.Fatalf("error %q: want the status code without the address", err)
	}
}
