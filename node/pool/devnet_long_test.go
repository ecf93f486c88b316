//go:build long

package pool_test

import "testing"

// TestDevnetPoolMemberLosesItsCopy20MiB is the acceptance at full size: a
// pool for a 20 MiB blob (80 chunks of 256 KiB, 20,480 segments).
func TestDevnetPoolMemberLosesItsCopy20MiB(t *testing.T) { runPoolDevnet(t, 20<<20) }
