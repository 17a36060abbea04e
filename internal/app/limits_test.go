package app_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/liemchinh/liemchinh/internal/app"
)

// TestServerTimeouts runs the real server with HTTP read and write timeouts of one second: a
// client that stops sending its body is cut off, a body announced larger than the limit is
// answered 413 before it is sent, and a WebSocket (hijacked, its deadlines cleared) still answers
// after both timeouts have passed.
func TestServerTimeouts(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, nil, env("DATABASE_URL", "sqlite:"+dir+"/liemchinh.db", "LISTEN_ADDR", "127.0.0.1:0",
			"SEED_DEMO", "false", "BLOB_DIR", dir+"/blobs", "REQUEST_TIMEOUT", "500ms",
			"HTTP_READ_TIMEOUT", "1s", "HTTP_WRITE_TIMEOUT", "1s"), io.Discard, stderr)
	}()
	defer func() {
		cancel()
		<-done
	}()
	addr := waitForListening(t, stderr, done)

	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	ws, _, err := websocket.Dial(wctx, "ws://"+addr+"/query", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(wctx, websocket.MessageText, []byte(`{"type":"connection_init"}`)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(wctx); err != nil || !bytes.Contains(msg, []byte("connection_ack")) {
		t.Fatalf("connection_init: %s %v", msg, err)
	}

	// A client sending its headers and then nothing of the body it announced.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	_, _ = io.WriteString(slow, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.Copy(io.Discard, slow) // until the server closes the connection
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("a stalled body held the connection %s", took)
	}

	// A body announced at 100 MB: refused from its headers.
	big, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	_, _ = io.WriteString(big, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n")
	_ = big.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(big), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"code":"BAD_USER_INPUT"`) {
		t.Fatalf("100 MB body: %d %s", res.StatusCode, body)
	}

	// The WebSocket outlived both timeouts. Time must pass here, not be waited for: the deadlines
	// are net/http's, on the real clock.
	time.Sleep(2500*time.Millisecond - time.Since(start))
	if err := ws.Write(wctx, websocket.MessageText, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatalf("WebSocket write after the HTTP timeouts: %v", err)
	}
	for {
		_, msg, err := ws.Read(wctx)
		if err != nil {
			t.Fatalf("WebSocket read after the HTTP timeouts: %v", err)
		}
		if bytes.Contains(msg, []byte(`"pong"`)) {
			break
		}
	}
}
