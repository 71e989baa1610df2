// Package config reads aaa's settings from the environment. The seed's
// variable names keep their meaning; aaa adds a few (see Variables). Any
// secret may instead be given as NAME_FILE, the path of a file holding it.
// Load collects every problem at once, so an operator fixes them in one go.
// Only cmd/aaa imports this package.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is aaa's runtime configuration.
type Config struct {
	DatabaseURL string
	// DatabaseKind is "sqlite" or "postgres"; SQLitePath is set for sqlite.
	DatabaseKind string
	SQLitePath   string

	AshbyAPIKey        string
	AshbyWebhookSecret string
	AshbyAPIURL        string
	AshbyRateLimit     float64

	SlackBotToken        string
	SlackSigningSecret   string
	SlackAPIURL          string
	SlackAllowedUserIDs  []string
	AdminSlackChannelID  string
	DefaultArchiveReason string

	Port           int
	AdminAPIToken  string
	FrontendURLs   []string
	LogLevel       string
	LogFormat      string
	WebhookRateMin int // webhook requests per minute per client

	DryRun      bool
	TimeoutDays int
	MinWait     time.Duration

	FeedbackSyncInterval    time.Duration
	EvaluationSweepInterval time.Duration
	MetadataSyncInterval    time.Duration
	InterviewSyncInterval   time.Duration
	SlackUserSyncInterval   time.Duration
	ReminderInterval        time.Duration
	RemindersEnabled        bool
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
	Secret              bool
}

// Variables lists every setting, for --help and the README.
var Variables = []Var{
	{"DATABASE_URL", "sqlite:aaa.db", "postgres://... or postgresql://... URL, or sqlite:PATH (a bare file path also works)", false},
	{"ASHBY_API_KEY", "", "Ashby API key (Basic auth user); without it Ashby syncs are off", true},
	{"ASHBY_WEBHOOK_SECRET", "", "secret Ashby signs webhooks with; without it signed webhooks are refused", true},
	{"ASHBY_API_URL", "https://api.ashbyhq.com", "Ashby API base URL (tests, demo, proxies)", false},
	{"ASHBY_RATE_LIMIT", "10", "client-side limit on Ashby API calls per second", false},
	{"SLACK_BOT_TOKEN", "", "Slack bot token (xoxb-...); without it notifications are only stored", true},
	{"SLACK_SIGNING_SECRET", "", "Slack signing secret for /slack/interactions", true},
	{"SLACK_API_URL", "https://slack.com/api/", "Slack Web API base URL (tests, demo, proxies)", false},
	{"SLACK_ALLOWED_USER_IDS", "", "comma-separated Slack user ids allowed to click Archive (empty: anyone)", false},
	{"ADMIN_SLACK_CHANNEL_ID", "", "channel for admin alerts and rejection notices without a recruiter", false},
	{"DEFAULT_ARCHIVE_REASON_ID", "", "Ashby archive reason used when a rule names none", false},
	{"PORT", "8080", "HTTP port", false},
	{"ADMIN_API_TOKEN", "", "bearer token for /admin routes; unset turns the admin API off", true},
	{"FRONTEND_URL", "http://localhost:5173", "comma-separated CORS origins", false},
	{"LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR", false},
	{"LOG_FORMAT", "json", "json or text", false},
	{"WEBHOOK_RATE_LIMIT", "6000", "webhook requests per minute per client address", false},
	{"ADVANCEMENT_DRY_RUN_MODE", "false", "true forces every rule into shadow mode", false},
	{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS", "7", "days after the last interview before missing feedback times out", false},
	{"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES", "30", "minutes to wait after the newest submission before deciding", false},
	{"FEEDBACK_SYNC_INTERVAL", "30m", "feedback sync period", false},
	{"EVALUATION_SWEEP_INTERVAL", "30m", "evaluation sweep period", false},
	{"METADATA_SYNC_INTERVAL", "6h", "jobs, plans, stages, forms, archive reasons, users sync period", false},
	{"INTERVIEW_SYNC_INTERVAL", "12h", "interview definitions sync period", false},
	{"SLACK_USER_SYNC_INTERVAL", "12h", "Slack user directory sync period", false},
	{"REMINDER_INTERVAL", "5m", "feedback reminder job period", false},
	{"REMINDERS_ENABLED", "true when Slack is configured", "send feedback reminders", false},
}

// Error lists every configuration problem.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Load reads the configuration from environ ("KEY=value" pairs, as from
// os.Environ). It returns *Error listing every problem.
func Load(environ []string) (Config, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	l := loader{env: env}
	c := Config{
		DatabaseURL:          l.str("DATABASE_URL", "sqlite:aaa.db"),
		AshbyAPIKey:          l.secret("ASHBY_API_KEY"),
		AshbyWebhookSecret:   l.secret("ASHBY_WEBHOOK_SECRET"),
		AshbyAPIURL:          strings.TrimRight(l.str("ASHBY_API_URL", "https://api.ashbyhq.com"), "/"),
		AshbyRateLimit:       l.float("ASHBY_RATE_LIMIT", 10),
		SlackBotToken:        l.secret("SLACK_BOT_TOKEN"),
		SlackSigningSecret:   l.secret("SLACK_SIGNING_SECRET"),
		SlackAPIURL:          l.str("SLACK_API_URL", "https://slack.com/api/"),
		SlackAllowedUserIDs:  l.list("SLACK_ALLOWED_USER_IDS"),
		AdminSlackChannelID:  l.str("ADMIN_SLACK_CHANNEL_ID", ""),
		DefaultArchiveReason: l.str("DEFAULT_ARCHIVE_REASON_ID", ""),
		Port:                 l.int("PORT", 8080, 1, 65535),
		AdminAPIToken:        l.secret("ADMIN_API_TOKEN"),
		FrontendURLs:         l.list("FRONTEND_URL"),
		LogLevel:             strings.ToUpper(l.str("LOG_LEVEL", "INFO")),
		LogFormat:            strings.ToLower(l.str("LOG_FORMAT", "json")),
		WebhookRateMin:       l.int("WEBHOOK_RATE_LIMIT", 6000, 1, 1<<30),
		DryRun:               l.bool("ADVANCEMENT_DRY_RUN_MODE", false),
		TimeoutDays:          l.int("ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS", 7, 1, 365),
		MinWait:              time.Duration(l.int("ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES", 30, 0, 7*24*60)) * time.Minute,

		FeedbackSyncInterval:    l.dur("FEEDBACK_SYNC_INTERVAL", 30*time.Minute),
		EvaluationSweepInterval: l.dur("EVALUATION_SWEEP_INTERVAL", 30*time.Minute),
		MetadataSyncInterval:    l.dur("METADATA_SYNC_INTERVAL", 6*time.Hour),
		InterviewSyncInterval:   l.dur("INTERVIEW_SYNC_INTERVAL", 12*time.Hour),
		SlackUserSyncInterval:   l.dur("SLACK_USER_SYNC_INTERVAL", 12*time.Hour),
		ReminderInterval:        l.dur("REMINDER_INTERVAL", 5*time.Minute),
	}
	if _, ok := env["FRONTEND_URL"]; !ok {
		c.FrontendURLs = []string{"http://localhost:5173"}
	}
	c.RemindersEnabled = l.bool("REMINDERS_ENABLED", c.SlackBotToken != "")
	kind, path, err := ParseDatabaseURL(c.DatabaseURL)
	if err != nil {
		l.problem("DATABASE_URL: %v", err)
	}
	c.DatabaseKind, c.SQLitePath = kind, path
	switch c.LogLevel {
	case "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL":
	default:
		l.problem("LOG_LEVEL: %q is not one of DEBUG, INFO, WARNING, ERROR", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		l.problem("LOG_FORMAT: %q is not json or text", c.LogFormat)
	}
	if c.AshbyRateLimit <= 0 {
		l.problem("ASHBY_RATE_LIMIT: must be greater than 0")
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if len(l.problems) > 0 {
		return c, &Error{Problems: l.problems}
	}
	return c, nil
}

// ParseDatabaseURL tells a Postgres URL from a SQLite path. Empty means
// sqlite:aaa.db in the working directory.
func ParseDatabaseURL(u string) (kind, sqlitePath string, err error) {
	u = strings.TrimSpace(u)
	switch {
	case u == "":
		return "sqlite", "aaa.db", nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", "", nil
	case strings.HasPrefix(u, "sqlite://"):
		p := strings.TrimPrefix(u, "sqlite://")
		if p == "" {
			return "", "", errors.New("sqlite:// URL has no path")
		}
		return "sqlite", p, nil
	case strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(u, "sqlite:")
		if p == "" {
			return "", "", errors.New("sqlite: URL has no path")
		}
		return "sqlite", p, nil
	case strings.Contains(u, "://"):
		scheme, _, _ := strings.Cut(u, "://")
		return "", "", fmt.Errorf("unknown scheme %q (use postgres://, postgresql:// or sqlite:PATH)", scheme)
	}
	return "sqlite", u, nil
}

type loader struct {
	env      map[string]string
	problems []string
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *loader) str(name, def string) string {
	if v, ok := l.env[name]; ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// secret reads NAME, or the file named by NAME_FILE.
func (l *loader) secret(name string) string {
	v, hasVal := l.env[name]
	f, hasFile := l.env[name+"_FILE"]
	if hasVal && v != "" && hasFile && f != "" {
		l.problem("%s and %s_FILE are both set; use one", name, name)
		return v
	}
	if hasFile && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			l.problem("%s_FILE: cannot read %s: %v", name, f, errors.Unwrap(err))
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	return strings.TrimSpace(v)
}

func (l *loader) int(name string, def, lo, hi int) int {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.problem("%s: %q is not a whole number", name, v)
		return def
	}
	if n < lo || n > hi {
		l.problem("%s: %d is out of range [%d, %d]", name, n, lo, hi)
		return def
	}
	return n
}

func (l *loader) float(name string, def float64) float64 {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		l.problem("%s: %q is not a number", name, v)
		return def
	}
	return f
}

func (l *loader) bool(name string, def bool) bool {
	v := strings.ToLower(l.str(name, ""))
	switch v {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	l.problem("%s: %q is not true or false", name, v)
	return def
}

func (l *loader) dur(name string, def time.Duration) time.Duration {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.problem("%s: %q is not a duration (e.g. 30m, 6h)", name, v)
		return def
	}
	if d < time.Second {
		l.problem("%s: %s is shorter than 1s", name, d)
		return def
	}
	return d
}

func (l *loader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(l.env[name], ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
