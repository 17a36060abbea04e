package roster_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
