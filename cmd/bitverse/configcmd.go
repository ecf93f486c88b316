package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/bitverse/bitverse/internal/config"
	"github.com/spf13/cobra"
)

func configCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "The configuration file: show the effective settings, write a commented default file",
		Long: `Every flag of node and of the TUI, and the global flags, can be set in a
TOML file, by default $XDG_CONFIG_HOME/bitverse/config.toml (--config PATH
or $BITVERSE_CONFIG to choose another): the global keys at top level, the
others under [node] and [tui], each named like its flag. Each key also has
an environment variable (BITVERSE_NODE_MINE for [node] mine). A flag on the
command line wins, then the environment, then the file, then the default.`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(configShowCmd(), configInitCmd())
	return c
}

// shownSetting is one line of `config show --json`.
type shownSetting struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	From   string `json:"from"`            // default, flag, env or file
	Where  string `json:"where,omitempty"` // the variable, or file:line
	EnvVar string `json:"env"`             // the variable that sets it
}

type shownConfig struct {
	File     string         `json:"file"` // "" for none
	Found    bool           `json:"found"`
	Settings []shownSetting `json:"settings"`
}

func configShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show",
		Short: "Print the effective settings and where each came from (flag, environment, file or default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sets, err := effectiveSettings()
			if err != nil {
				return err
			}
			out := shownConfig{File: loaded.path, Found: loaded.found}
			for _, s := range sets {
				out.Settings = append(out.Settings, shownSetting{Key: s.key.Path(), Value: s.value(), From: s.from, Where: s.detail, EnvVar: s.key.EnvName()})
			}
			if g.jsonOut {
				return printJSON(out)
			}
			w := cmd.OutOrStdout()
			switch {
			case out.File == "":
				fmt.Fprintln(w, "config file: none (--config=)")
			case out.Found:
				fmt.Fprintf(w, "config file: %s\n", out.File)
			default:
				fmt.Fprintf(w, "config file: %s (absent: write one with `bitverse config init`)\n", out.File)
			}
			tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tFROM")
			for _, s := range out.Settings {
				from := s.From
				if s.Where != "" {
					from += " " + s.Where
				}
				v := fmt.Sprint(s.Value)
				if l, ok := s.Value.([]string); ok {
					v = "[" + strings.Join(l, ", ") + "]"
				} else if str, ok := s.Value.(string); ok {
					v = fmt.Sprintf("%q", str)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, v, from)
			}
			return tw.Flush()
		},
	}
	addJSON(c)
	return c
}

func configInitCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Write a commented configuration file with every key at its default (--config PATH for another place)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _ := configFile(cmd)
			if path == "" {
				return errors.New("--config= names no file: give --config PATH")
			}
			if _, err := os.Stat(path); err == nil && !force {
				return fmt.Errorf("%s exists: edit it, or overwrite it with --force", path)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(config.Template(configSchema())), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: every key is commented out at its default; uncomment what you set\n", path)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return c
}
