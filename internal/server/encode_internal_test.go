package server

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncodeResponseFramesData holds the answer with data only to gqlgen's bytes framed as they
// are: gqlgen's executor gives every answer an empty Extensions map, which must not send it
// through json.Marshal (which re-scans and compacts the whole data: the space below would go).
func TestEncodeResponseFramesData(t *testing.T) {
	data := json.RawMessage(`{"a": [1, 2]}`)
	for _, ext := range []map[string]any{nil, {}} {
		b, err := encodeResponse(&graphql.Response{Data: data, Extensions: ext})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), `{"data":{"a": [1, 2]}}`; got != want {
			t.Errorf("extensions %v: got %s, want %s", ext, got, want)
		}
	}
	// With extensions or errors the answer is marshalled whole.
	b, err := encodeResponse(&graphql.Response{Data: data, Extensions: map[string]any{"k": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"data":{"a":[1,2]},"extensions":{"k":1}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	b, err = encodeResponse(&graphql.Response{Data: data, Errors: gqlerror.List{{Message: "m"}}})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Errors []struct{ Message string } `json:"errors"`
		Data   map[string]any             `json:"data"`
	}
	if err := json.Unmarshal(b, &back); err != nil || len(back.Errors) != 1 || back.Data["a"] == nil {
		t.Errorf("with an error: %s (%v)", b, err)
	}
}
