package profiles

import (
	"os"
	"testing"

	"github.com/cloudspin/spin/internal/sdkcheck/sdkchecktest"
)

// The SDK read-back of the files spin writes runs in spind, built for the
// tests by sdkchecktest.
func TestMain(m *testing.M) { os.Exit(sdkchecktest.Main(m)) }
