package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/doctor"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func init() { extraCommands = append(extraCommands, newDoctorCmd) }

// doctorTimeout bounds each of the doctor's network checks.
const doctorTimeout = 15 * time.Second

func newDoctorCmd() *cobra.Command {
	var dbURL, publicURL, output string
	cmd := &cobra.Command{
		Use:   "doctor [--public-url URL] [-o text|json]",
		Short: "Check the setup end to end: database, Ashby key and permissions, webhooks, Slack, rules",
		Long: `Check, with the configured settings, everything aaa depends on, and say what
to do about each problem:

  Database  reachable, migrations current, writable; for SQLite the file's
            mode; whether an aaa server is running on it
  Ashby     ASHBY_API_KEY is valid and has every permission aaa needs
            (each read method is called with harmless parameters; moving a
            candidate is never tried); metadata is synced; the archive
            reasons and email templates settings and rules name exist
  Webhooks  ASHBY_WEBHOOK_SECRET is set; the last webhook received; with
            --public-url, a signed ping to URL/webhooks/ashby is answered
  Slack     the token (auth.test) and its scopes, SLACK_SIGNING_SECRET, the
            admin channel and the bot in it, Slack users for the people of
            active rules' jobs
  Rules     every active rule's scored fields are still on its interview's
            feedback form, its stages exist, shadow rules get reviewed

Nothing is written to Ashby or Slack. Run it after setting up, and again
with --public-url once Ashby's webhook points at the server (for example
the ngrok URL). Exit status: 0 all passed, 1 warnings only, 2 a failure.
The running server answers the same report on GET /admin/doctor.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return &exitError{code: 2, err: fmt.Errorf("-o %q: want text or json", output)}
			}
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			if dbURL, err = dbFlag(dbURL, cfg); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			log := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			// A database that cannot be opened is a failed check, and the
			// checks that do not need it still run.
			be, openErr := openExistingStore(ctx, dbURL, log)
			if openErr == nil {
				defer be.close()
			}
			rep := newDoctor(cfg, dbURL, be, openErr).Run(ctx, doctor.RunOptions{PublicURL: publicURL})
			out := cmd.OutOrStdout()
			if output == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				err = enc.Encode(rep)
			} else {
				err = rep.WriteText(out)
			}
			if err != nil {
				return err
			}
			if code := rep.ExitCode(); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dbURL, "db", "", existingDBUsage)
	f.StringVar(&publicURL, "public-url", "", "URL Ashby reaches this server at (e.g. https://abc123.ngrok.app): a signed ping is sent to URL/webhooks/ashby")
	f.StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

// newDoctor builds the doctor for the configured settings over the store
// opened from dbURL (be nil when that failed with openErr), with clients of
// its own: few retries and short timeouts, so a wrong setting is reported
// in seconds. `aaa serve` gives the same to GET /admin/doctor.
func newDoctor(cfg config.Config, dbURL string, be *backend, openErr error) *doctor.Doctor {
	o := doctor.Options{StoreError: openErr, WebhookSecret: cfg.AshbyWebhookSecret, SlackSigningSecret: cfg.SlackSigningSecret,
		AdminChannelID: cfg.AdminSlackChannelID, DefaultArchiveReasonID: cfg.DefaultArchiveReason, Reminders: cfg.RemindersEnabled,
		Timeout: doctorTimeout}
	if be != nil {
		o.Store = be.db
	}
	if kind, path, err := config.ParseDatabaseURL(dbURL); err == nil && kind == "sqlite" {
		o.SQLitePath = path
	}
	if cfg.AshbyAPIKey != "" {
		o.ATS = ashby.New(ashby.Options{BaseURL: cfg.AshbyAPIURL, APIKey: cfg.AshbyAPIKey, MaxAttempts: 2, Timeout: doctorTimeout,
			RateLimit: rate.Limit(cfg.AshbyRateLimit), Burst: max(1, int(cfg.AshbyRateLimit))})
	}
	if cfg.SlackBotToken != "" {
		o.Slack = slackapp.New(slackapp.Options{Token: cfg.SlackBotToken, BaseURL: cfg.SlackAPIURL, MaxRetries: 1})
	}
	return doctor.New(o)
}
