package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/metrics"
)

// Media types of GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GET and POST /query as the GraphQL-over-HTTP spec asks, where gqlgen's
// transport.GET and transport.POST do not: a request error (parse, validation, variables) is 200
// for application/json (gqlgen: 422) and 4xx with no "data" entry for
// application/graphql-response+json (gqlgen: 400 with "data": null); a body that is not one JSON
// object (a batch, bad JSON) or has no query is a coded 400 (gqlgen: a recovered panic for a
// batch, 422 for no query); an execution that produced no data is 5xx/4xx by its code for
// application/graphql-response+json; and no answer is ever an empty body.
type httpTransport struct {
	// present is the server's error presenter, for the one error the transport makes from a Go
	// error (the request's context ended before execution).
	present graphql.ErrorPresenterFunc
	// reference caches the answers to public reference queries (nil: none kept); metrics counts
	// the operations answered from it, which skip the operation middleware.
	reference *referenceCache
	metrics   *metrics.Metrics
	// admit bounds the operations executing at once (nil: no bound).
	admit *admission
}

var _ graphql.Transport = httpTransport{}

// Supports every request but WebSocket upgrades and CORS preflights (OPTIONS), so that other
// methods get a coded 405 rather than gqlgen's uncoded "transport not supported".
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method != http.MethodOptions
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeError(ctx, w, http.StatusMethodNotAllowed, badRequest("/query nhận GET hoặc POST.", "/query takes GET or POST."))
		return
	}
	start := graphql.Now()
	params, status, bad := readParams(r)
	if bad != nil {
		writeError(ctx, w, status, bad)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = statusOf(resp.Errors)
		}
		writeResponse(w, status, resp)
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeError(ctx, w, http.StatusMethodNotAllowed, apperr.New(apperr.BadRequest,
			"Chỉ gửi được truy vấn (query) bằng GET; mutation và subscription cần POST hoặc WebSocket.",
			"Only queries can be sent with GET; mutations and subscriptions need POST or a WebSocket."))
		return
	}
	key, public := referenceKey(ctx, oc)
	var epoch uint64
	if public && t.reference != nil {
		if a, ok := t.reference.Get(key); ok {
			t.metrics.Operation(operationName(oc), string(ast.Query), "ok", time.Since(start).Seconds())
			if n := costOf(oc); n > 0 {
				t.metrics.Complexity(n)
			}
			writeAnswer(w, r, a)
			return
		}
		epoch, _ = t.reference.Begin() // before the reads: a change announced meanwhile is not kept
	}
	release, err := t.admit.acquire(ctx)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(ctx, w, http.StatusServiceUnavailable, apperr.ErrTimeout)
		return
	}
	release = sync.OnceFunc(release)
	defer release() // after the answer is written: until then it is held in memory
	// An operation that waits without holding memory (a submission queued for its group commit)
	// may give its turn back early.
	ctx = context.WithValue(ctx, admissionYieldKey{}, release)
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if public && resp != nil && len(resp.Errors) == 0 && len(resp.Data) > 0 {
		if b, err := encodeResponse(resp); err == nil {
			a := newCachedAnswer(b)
			if t.reference != nil && len(b) <= maxCachedAnswer {
				t.reference.Put(key, a, epoch)
			}
			writeAnswer(w, r, a)
			return
		}
	}
	if resp == nil { // gqlgen gives nothing when the request's context ended before execution
		cause := context.Cause(ctx)
		if cause == nil {
			cause = errors.New("the operation gave no response")
		}
		resp = &graphql.Response{Errors: gqlerror.List{t.present(ctx, cause)}}
	}
	status = http.StatusOK
	if len(resp.Data) == 0 && media == mediaGraphQLResponse {
		status = statusOf(resp.Errors)
	}
	writeResponse(w, status, resp)
}

// readParams reads the GraphQL request of a GET or POST, or says why it is not one.
func readParams(r *http.Request) (*graphql.RawParams, int, *apperr.Error) {
	params := &graphql.RawParams{}
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, http.StatusBadRequest, badRequest("Địa chỉ yêu cầu không đọc được.", "The request URL cannot be parsed.")
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		for name, dst := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
			if v := q.Get(name); v != "" {
				if err := decodeJSON([]byte(v), dst); err != nil {
					return nil, http.StatusBadRequest, apperr.Newf(apperr.BadRequest,
						"Tham số %s phải là một đối tượng JSON.", "The %s parameter must be a JSON object.", name)
				}
			}
		}
	} else {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != mediaJSON {
			return nil, http.StatusUnsupportedMediaType, badRequest(
				"Yêu cầu POST phải có Content-Type: application/json.", "A POST request needs Content-Type: application/json.")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, http.StatusRequestEntityTooLarge, errBodyTooLarge(tooLarge.Limit)
			}
			return nil, http.StatusBadRequest, badRequest("Không đọc được nội dung yêu cầu.", "The request body could not be read.")
		}
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
			return nil, http.StatusBadRequest, badRequest(
				"Máy chủ không nhận nhiều yêu cầu gộp trong một mảng JSON; hãy gửi từng yêu cầu một.",
				"This server does not support batched requests (a JSON array); send one request at a time.")
		}
		if err := decodeJSON(body, params); err != nil {
			return nil, http.StatusBadRequest, badRequest(
				"Nội dung yêu cầu phải là một đối tượng JSON {\"query\", \"variables\", \"operationName\"}.",
				"The request body must be one JSON object {\"query\", \"variables\", \"operationName\"}.")
		}
	}
	if strings.TrimSpace(params.Query) == "" && params.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, badRequest("Yêu cầu không có truy vấn (query).", "The request has no query.")
	}
	return params, 0, nil
}

func badRequest(vi, en string) *apperr.Error { return apperr.New(apperr.BadRequest, vi, en) }

// decodeJSON keeps numbers as json.Number, as gqlgen's transports do (Int and ID coercion need it).
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// responseMediaType picks the response media type from Accept: the first of ours it lists;
// application/json when it lists none (or is absent), for clients older than the spec.
func responseMediaType(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

// statusOf is the status of a response without data under application/graphql-response+json,
// from its first error's code.
func statusOf(errs gqlerror.List) int {
	code := ""
	if len(errs) > 0 {
		code, _ = errs[0].Extensions["code"].(string)
	}
	if code == apperr.NotFound {
		return http.StatusBadRequest // a GraphQL request is found; what it names is its own matter
	}
	return apperr.HTTPStatus(code, http.StatusBadRequest)
}

// wireResponse is graphql.Response without a "data" entry when there is no data: the spec's
// request errors carry none, and a failed mutation must not look like one that returned.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// encodeResponse is the JSON of a response. An answer with data only (most of them) is framed
// around the data as gqlgen wrote it: json.Marshal would scan and compact the whole data again
// (5% of a large read's CPU). gqlgen's executor gives every answer an empty, not a nil,
// Extensions map (graphql.GetExtensions), which the wire form leaves out (omitempty).
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if len(resp.Errors) == 0 && len(resp.Extensions) == 0 && len(resp.Data) > 0 {
		b := make([]byte, 0, len(resp.Data)+10)
		b = append(b, `{"data":`...)
		b = append(b, resp.Data...)
		return append(b, '}'), nil
	}
	return json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
}

func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	if len(resp.Errors) > 0 {
		if s, ok := resp.Errors[0].Extensions["retryAfter"].(int); ok && s > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(s))
		}
	}
	b, err := encodeResponse(resp)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"response could not be encoded","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(ctx context.Context, w http.ResponseWriter, status int, e *apperr.Error) {
	ext := map[string]any{"code": e.Code}
	if e.Retryable {
		ext["retryable"] = true
	}
	writeResponse(w, status, &graphql.Response{Errors: gqlerror.List{{Message: e.Message(ctx), Extensions: ext}}})
}
