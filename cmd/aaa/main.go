// Command aaa is Ashby Auto-Advance: it watches Ashby interview schedules,
// pulls interviewer feedback, evaluates each team's rules and advances
// candidates (or asks a recruiter in Slack to archive them).
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/spf13/cobra"
)

// exitError carries a process exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func main() {
	root := newRoot()
	if err := root.Execute(); err != nil {
		var ee *exitError
		var ce *config.Error
		switch {
		case errors.As(err, &ce):
			fmt.Fprintln(os.Stderr, "aaa:", ce.Error())
			os.Exit(2)
		case errors.As(err, &ee):
			if ee.err != nil { // nil: the status says it all (rules apply --diff)
				fmt.Fprintln(os.Stderr, "aaa:", ee.err)
			}
			os.Exit(ee.code)
		default:
			fmt.Fprintln(os.Stderr, "aaa:", err)
			os.Exit(1)
		}
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "aaa",
		Short: "Ashby Auto-Advance: move candidates through Ashby stages on interview-feedback rules",
		Long: `aaa watches Ashby interview schedules, pulls interviewer feedback, evaluates each
team's rules and advances the candidate to the next stage in Ashby, or asks a
recruiter in Slack to archive them with one click.

It stores everything in SQLite (DATABASE_URL unset: ./aaa.db) or Postgres
(DATABASE_URL=postgres://...). Every setting is an environment variable; run
'aaa serve --help' for the list.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildInfo().String(),
	}
	root.SetVersionTemplate("aaa {{.Version}}\n")
	root.AddCommand(newServeCmd(), newMigrateCmd(), newVersionCmd())
	addExtraCommands(root)
	return root
}

// addExtraCommands is extended by other files of this package.
var extraCommands []func() *cobra.Command

func addExtraCommands(root *cobra.Command) {
	for _, f := range extraCommands {
		root.AddCommand(f())
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print aaa's version, commit and build date",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "aaa", buildInfo())
		},
	}
}
