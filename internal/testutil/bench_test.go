package testutil

import (
	"testing"
	"time"
)

// A ratio benchmark runs b.N ops and at least RatioMinTime.
func TestMoreRunsAtLeastRatioMinTimeAndBN(t *testing.T) {
	if !More(0, 2, time.Hour) || !More(1, 2, time.Hour) || More(2, 2, time.Hour) {
		t.Fatal("More does not run b.N ops when the time is spent")
	}
	if !More(5, 2, RatioMinTime/2) || More(5, 2, RatioMinTime) {
		t.Fatal("More does not run until RatioMinTime is spent")
	}
}
