//go:build linux && !amd64 && !arm64

package script

// No filter on this architecture: only no_new_privs and Landlock.
const seccompArch = 0

var deniedSyscalls []uint32
