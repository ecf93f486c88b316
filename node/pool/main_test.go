package pool_test

import (
	"os"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
