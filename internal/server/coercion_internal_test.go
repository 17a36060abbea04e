package server

import (
	"os"
	"regexp"
	"testing"
)

// TestEveryCustomScalarChecked fails when the schema gains a custom scalar that nothing checks
// before execution (its bad values would reach the resolvers as uncoded errors).
func TestEveryCustomScalarChecked(t *testing.T) {
	b, err := os.ReadFile("../../graph/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?m)^scalar (\w+)`).FindAllSubmatch(b, -1)
	if len(found) == 0 {
		t.Fatal("no scalar in the printed schema")
	}
	for _, m := range found {
		if customScalars[string(m[1])] == nil {
			t.Errorf("scalar %s has no check in customScalars", m[1])
		}
	}
}
