package script

import (
	"fmt"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/dop251/goja"
)

func TestScratch2(t *testing.T) {
	src := os.Getenv("JS")
	if src == "" {
		t.Skip()
	}
	debug.SetMaxStack(64 << 20)
	vm := goja.New()
	vm.SetMaxCallStackSize(1000)
	time.AfterFunc(3*time.Second, func() { vm.Interrupt("timeout") })
	st := time.Now()
	v, err := vm.RunString("(function(){'use strict';" + src + "})()")
	var ms debug.GCStats
	debug.ReadGCStats(&ms)
	r := fmt.Sprint(v)
	if len(r) > 200 {
		r = r[:200]
	}
	fmt.Printf("RESULT %v err=%v %v\n", r, err, time.Since(st))
}
