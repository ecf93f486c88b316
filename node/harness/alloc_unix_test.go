//go:build unix

package harness

import (
	"os"
	"syscall"
)

// allocated is the disk space a file takes (its blocks), not its length.
func allocated(info os.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}
