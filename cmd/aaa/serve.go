package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/presence"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func newServeCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server: webhooks, Slack clicks, syncs, evaluations and the admin API",
		Long: `Run aaa's server. It migrates the database on start (under a lock on Postgres),
serves POST /webhooks/ashby, POST /slack/interactions, GET /health, GET /metrics
and the /admin API, and runs the periodic syncs and evaluations.

Environment variables:
` + configHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			if addr == "" {
				addr = ":" + strconv.Itoa(cfg.Port)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg, addr, newLogger(os.Stdout, cfg.LogLevel, cfg.LogFormat), nil)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default \":$PORT\")")
	return cmd
}

func configHelp() string {
	var b strings.Builder
	for _, v := range config.Variables {
		def := v.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(&b, "  %-38s %s (default: %s)\n", v.Name, v.Help, def)
	}
	b.WriteString("  Any secret may be given as NAME_FILE, the path of a file holding it.\n")
	return b.String()
}

// deliveryRetentionEvery is how often DELIVERY_RETENTION prunes payloads.
const deliveryRetentionEvery = time.Hour

// serveHooks lets the demo and bench observe a running server.
type serveHooks struct {
	// ready receives the listen address once the server accepts requests.
	ready func(addr string)
	// services receives the use cases once built.
	services func(*app.Services)
}

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting HTTP, drain jobs, close the store.
func serve(ctx context.Context, cfg config.Config, addr string, log *slog.Logger, hooks *serveHooks) error {
	log.InfoContext(ctx, "application_starting", "version", buildInfo().Version, "database", cfg.DatabaseKind, "dry_run", cfg.DryRun)
	be, err := openStore(ctx, cfg.DatabaseURL, log)
	if err != nil {
		log.ErrorContext(ctx, "database_connection_exhausted", "error", err.Error())
		return err
	}
	defer be.close()
	if path, ok := strings.CutPrefix(be.desc, "sqlite:"); ok {
		// One server per SQLite file: a second one refuses to start (the
		// dashboard and the CLI still open the file).
		release, err := lockSQLite(path)
		if err != nil {
			log.ErrorContext(ctx, "database_in_use", "error", err.Error())
			return err
		}
		defer release()
	}
	log.InfoContext(ctx, "database_connected", "database", be.desc)
	applied, err := be.migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.InfoContext(ctx, "database_migrated", "applied", len(applied))
	// A store that answers reads but refuses writes (a read-only file or
	// volume, a Postgres standby) would answer /health and then refuse every
	// webhook: refuse to start instead, saying why.
	if err := be.db.CheckWrites(ctx); err != nil {
		log.ErrorContext(ctx, "database_not_writable", "error", err.Error())
		return err
	}

	metrics := server.NewMetrics()
	bi := buildInfo()
	metrics.SetBuildInfo(bi.Version, bi.Commit, bi.Date)
	// Interfaces stay nil (not typed nils) while a client is not configured.
	var ats app.ATS
	var ashbyHealth server.AshbyHealth
	if cfg.AshbyAPIKey != "" {
		client := ashby.New(ashby.Options{BaseURL: cfg.AshbyAPIURL, APIKey: cfg.AshbyAPIKey, RateLimit: rate.Limit(cfg.AshbyRateLimit),
			Burst: max(1, int(cfg.AshbyRateLimit)), Observe: metrics.ObserveAshby})
		ats, ashbyHealth = client, client
	} else {
		log.WarnContext(ctx, "ashby_not_configured", "hint", "set ASHBY_API_KEY; until then deliveries are stored and wait")
	}
	if cfg.AshbyWebhookSecret == "" {
		log.WarnContext(ctx, "webhook_secret_not_configured", "hint", "set ASHBY_WEBHOOK_SECRET; signed webhooks are refused until then")
	}
	var slk app.Slack
	if cfg.SlackBotToken != "" {
		slk = slackapp.New(slackapp.Options{Token: cfg.SlackBotToken, BaseURL: cfg.SlackAPIURL, Logger: log,
			Observe: metrics.ObserveSlack})
	} else {
		log.WarnContext(ctx, "slack_not_configured", "hint", "set SLACK_BOT_TOKEN; notifications are stored and shown in the admin API and dashboard")
	}
	if cfg.SlackBotToken != "" && cfg.SlackSigningSecret == "" {
		log.WarnContext(ctx, "slack_signing_secret_missing", "hint", "set SLACK_SIGNING_SECRET; until then every Archive click is refused (401)")
	}
	if cfg.AdminAPIToken == "" && len(cfg.AdminAPITokens) == 0 {
		log.WarnContext(ctx, "admin_api_disabled", "hint", "set ADMIN_API_TOKEN (or ADMIN_API_TOKENS) to enable /admin")
	}
	periodic := []jobs.Interval{
		{Task: jobs.TaskFeedbackSync, Every: cfg.FeedbackSyncInterval},
		{Task: jobs.TaskEvaluationSweep, Every: cfg.EvaluationSweepInterval},
		{Task: jobs.TaskMetadataSync, Every: cfg.MetadataSyncInterval},
		{Task: jobs.TaskInterviewSync, Every: cfg.InterviewSyncInterval},
	}
	if slk != nil {
		periodic = append(periodic, jobs.Interval{Task: jobs.TaskSlackUserSync, Every: cfg.SlackUserSyncInterval})
	}
	if cfg.RemindersEnabled && slk != nil {
		periodic = append(periodic, jobs.Interval{Task: jobs.TaskReminders, Every: cfg.ReminderInterval})
	} else if cfg.RemindersEnabled {
		log.WarnContext(ctx, "reminders_not_configured", "hint", "feedback reminders need SLACK_BOT_TOKEN")
	}
	if cfg.DeliveryRetention > 0 {
		periodic = append(periodic, jobs.Interval{Task: jobs.TaskDeliveryRetention, Every: deliveryRetentionEvery})
	}
	q, err := jobs.New(jobs.Options{DB: be.db.Writer(), Pool: be.pool, Logger: log, Periodic: periodic,
		JobTimeout: cfg.JobTimeout, RescueAfter: cfg.JobRescueAfter, ObserveJob: metrics.ObserveJob})
	if err != nil {
		return err
	}
	// The gauges read the store and River's table on each scrape.
	sqlPools := map[string]*sql.DB{"writer": be.db.Writer()}
	if be.db.Reader() != be.db.Writer() {
		sqlPools["reader"] = be.db.Reader()
	}
	if cfg.MetricsAddr != "" {
		metrics.ServeOnOwnListener()
	}
	metrics.Watch(server.Sources{Deliveries: be.db, Syncs: be.db, Jobs: q, SQLPools: sqlPools, PgxPool: be.pool, Logger: log})
	ao := appOptions(cfg, be, log)
	ao.ATS, ao.Slack, ao.Queue, ao.ObserveDecision = ats, slk, q, metrics.ObserveDecision
	svcs := app.New(ao)
	if hooks != nil && hooks.services != nil {
		hooks.services(svcs)
	}
	handler := server.New(server.Deps{
		Store: be.db, Intake: svcs.Intake, Evaluator: svcs.Advance, Notices: svcs.Notices, Syncer: svcs.Sync, Candidates: svcs.Lifecycle,
		Ashby: ashbyHealth, Logger: log, WebhookSecret: cfg.AshbyWebhookSecret,
		SlackSigningSecret: cfg.SlackSigningSecret, AdminToken: cfg.AdminAPIToken, FrontendURLs: cfg.FrontendURLs,
		AdminTokens: adminTokens(cfg.AdminAPITokens), Rules: svcs.Rules,
		WebhookRatePerMin: cfg.WebhookRateMin, TrustedProxies: cfg.TrustedProxies, Version: buildInfo().Version, Metrics: metrics,
		Backtester: svcs.Backtest, Doctor: newDoctor(cfg, cfg.DatabaseURL, be, nil),
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	srvErr := make(chan error, 2)
	go func() { srvErr <- srv.Serve(ln) }()
	// METRICS_ADDR: /metrics on its own listener (a private port), and
	// only there.
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { srvErr <- metricsSrv.Serve(mln) }()
		log.InfoContext(ctx, "metrics_listening", "addr", mln.Addr().String())
	}

	// On SQLite this process is the only server (it holds the lock): jobs a
	// previous process left running run again at once.
	if n, err := q.RescueOrphans(ctx); err != nil {
		log.WarnContext(ctx, "jobs_rescue_failed", "error", err.Error())
	} else if n > 0 {
		log.InfoContext(ctx, "jobs_rescued_at_start", "count", n)
	}
	if err := q.Start(ctx, svcs.Handlers()); err != nil {
		_ = srv.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	log.InfoContext(ctx, "scheduler_configured", "jobs", len(periodic), "river_client_id", q.ClientID())
	// The heartbeat tells the dashboard a server decides on this store:
	// one beat now, then every HEARTBEAT_INTERVAL until shutdown.
	host, _ := os.Hostname()
	pres := presence.New(presence.Options{Store: be.db, Host: host, PID: os.Getpid(), Version: version,
		Interval: cfg.HeartbeatInterval, Logger: log})
	if err := pres.Beat(ctx); err != nil {
		log.WarnContext(ctx, "heartbeat_failed", "error", err.Error())
	}
	beatCtx, stopBeats := context.WithCancel(ctx)
	defer stopBeats()
	beatsDone := make(chan struct{})
	go func() {
		defer close(beatsDone)
		pres.Run(beatCtx)
	}()
	log.InfoContext(ctx, "application_ready", "addr", ln.Addr().String())
	// Start-up (migrations, River's setup) leaves garbage behind; hand it
	// back to the OS so an idle server stays small.
	debug.FreeOSMemory()
	if hooks != nil && hooks.ready != nil {
		hooks.ready(ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-srvErr:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.ErrorContext(ctx, "http_server_failed", "error", err.Error())
		}
	}
	log.Info("application_shutting_down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http_shutdown_incomplete", "error", err.Error())
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	if err := q.Stop(shutdownCtx); err != nil {
		log.Warn("scheduler_shutdown_incomplete", "error", err.Error())
	}
	log.Info("scheduler_shutdown")
	// Jobs are drained: nothing decides any more. Say so before the store
	// closes.
	stopBeats()
	<-beatsDone
	if err := pres.Leave(shutdownCtx); err != nil {
		log.Warn("heartbeat_remove_failed", "error", err.Error())
	}
	be.close()
	log.Info("database_disconnected")
	log.Info("application_stopped")
	return nil
}
