package progress_test

import (
	"os"
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.DropTemplate()
	os.Exit(code)
}
