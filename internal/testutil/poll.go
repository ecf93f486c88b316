package testutil

import (
	"testing"
	"time"
)

// Eventually polls cond until it returns nil, and fails t when limit has
// passed, naming what was awaited and cond's last answer. Tests wait on a
// condition, never on a fixed sleep: under load a condition comes late, a
// sleep comes too early. The pause between polls grows from 10 ms to
// 250 ms, so a quick condition is seen quickly and a slow one costs little.
func Eventually(t testing.TB, limit time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	pause := 10 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, limit, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, 250*time.Millisecond)
	}
}
