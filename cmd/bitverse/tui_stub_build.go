package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

func tuiCmd() *cobra.Command { return &cobra.Command{Use: "tui", Hidden: true} }

func runTUI(ctx context.Context, rpcAddr string) error {
	return errors.New("the terminal UI is not built yet; run `bitverse node --mine` and the CLI commands")
}
