package testutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r) // Fatalf must not return
}

func run(limit time.Duration, cond func() error) (failed string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != any(r) {
			panic(p)
		}
		failed = r.failed
	}()
	Eventually(r, limit, "the thing", cond)
	return ""
}

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	if f := run(time.Minute, func() error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	}); f != "" || calls != 3 {
		t.Fatalf("failed %q after %d calls, want success on the third", f, calls)
	}
}

func TestEventuallyFailsWithTheLastAnswer(t *testing.T) {
	n := 0
	f := run(30*time.Millisecond, func() error { n++; return fmt.Errorf("answer %d", n) })
	if !strings.Contains(f, "the thing: not within 30ms") || !strings.Contains(f, fmt.Sprintf("answer %d", n)) {
		t.Fatalf("failure %q does not name what was awaited and the last answer (%d)", f, n)
	}
}
