package app_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver in the test's process: it keeps every span sent to
// /v1/traces (protobuf, as the exporter sends by default).
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	var req coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			o.spans = append(o.spans, ss.GetSpans()...)
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// of returns the spans of a trace.
func (o *otlpReceiver) of(traceID []byte) []*tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range o.spans {
		if bytes.Equal(s.GetTraceId(), traceID) {
			out = append(out, s)
		}
	}
	return out
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.GetAttributes() {
		if a.GetKey() == key {
			return a.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestTracing: with OTEL_EXPORTER_OTLP_ENDPOINT, a request carrying a W3C traceparent is a server
// span continuing the caller's trace, each SQL statement a span under it with its text (never its
// arguments), and the request's log lines carry the trace id; a request without one starts a trace.
func TestTracing(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	// The exporter reads the process environment; serve's configuration the test's.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	base, stderr, _, _ := serveEmbedded(t, "OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	traceID, parentID := "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	body, _ := json.Marshal(map[string]any{"query": `query Tree { provinces(first: 2, where: {code: "83"}) { totalCount edges { node { code } } } }`})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	post(t, base, `{ campaigns(first: 1) { totalCount } }`, "") // no traceparent

	want, _ := hex.DecodeString(traceID)
	parent, _ := hex.DecodeString(parentID)
	var spans []*tracepb.Span
	deadline := time.Now().Add(20 * time.Second)
	for {
		spans = recv.of(want)
		if len(spans) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var server *tracepb.Span
	for _, s := range spans {
		if s.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
			server = s
		}
	}
	if server == nil || server.GetName() != "POST /query" || !bytes.Equal(server.GetParentSpanId(), parent) {
		t.Fatalf("no server span POST /query under the caller's span among %d spans of the trace: %v", len(spans), spans)
	}
	var statements int
	for _, s := range spans {
		if s.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
			continue
		}
		statements++
		if !strings.Contains(attr(s, "db.query.text"), "provinces") && !strings.Contains(attr(s, "db.query.text"), "SELECT") {
			t.Errorf("statement span without its text: %v", s)
		}
		if strings.Contains(attr(s, "db.query.text"), "'83'") {
			t.Errorf("a statement's argument reached its span: %q", attr(s, "db.query.text"))
		}
		if !bytes.Equal(s.GetParentSpanId(), server.GetSpanId()) || s.GetStartTimeUnixNano() < server.GetStartTimeUnixNano() ||
			s.GetEndTimeUnixNano() > server.GetEndTimeUnixNano() {
			t.Errorf("statement span not under its request's: %v", s)
		}
	}
	if statements == 0 {
		t.Errorf("no statement span in the trace: %v", spans)
	}
	if !strings.Contains(stderr.String(), `"trace_id":"`+traceID+`"`) {
		t.Errorf("the request's log line lacks its trace id:\n%s", stderr.String())
	}
	// The other request started a trace of its own.
	recv.mu.Lock()
	others := 0
	for _, s := range recv.spans {
		if s.GetKind() == tracepb.Span_SPAN_KIND_SERVER && !bytes.Equal(s.GetTraceId(), want) {
			others++
		}
	}
	recv.mu.Unlock()
	if others == 0 {
		t.Error("the request without a traceparent made no trace")
	}
}
