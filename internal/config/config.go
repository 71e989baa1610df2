// Package config reads aaa's settings from the environment. The seed's
// variable names keep their meaning; aaa adds a few (see Variables). Any
// secret may instead be given as NAME_FILE, the path of a file holding it.
// Load collects every problem at once, so an operator fixes them in one go.
// Only cmd/aaa imports this package.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // REMINDER_TIMEZONE works on hosts without zoneinfo
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

	Port int
	// MetricsAddr, when set (METRICS_ADDR, e.g. ":9090"), serves /metrics
	// on its own listener and no longer on the public port.
	MetricsAddr   string
	AdminAPIToken string
	// AdminAPITokens are the named tokens of ADMIN_API_TOKENS
	// ("name=token,name=token:ro").
	AdminAPITokens []AdminToken
	FrontendURLs   []string
	LogLevel       string
	LogFormat      string
	WebhookRateMin int // webhook requests per minute per client
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (TRUSTED_PROXIES); empty: the peer address is the client.
	TrustedProxies []netip.Prefix

	DryRun      bool
	TimeoutDays int
	// FeedbackTimeout is TimeoutDays as a duration, or
	// ADVANCEMENT_FEEDBACK_TIMEOUT when set (the demo and tests use seconds).
	FeedbackTimeout time.Duration
	MinWait         time.Duration

	FeedbackSyncInterval    time.Duration
	EvaluationSweepInterval time.Duration
	MetadataSyncInterval    time.Duration
	InterviewSyncInterval   time.Duration
	SlackUserSyncInterval   time.Duration
	ReminderInterval        time.Duration
	RemindersEnabled        bool
	JobTimeout              time.Duration
	JobRescueAfter          time.Duration
	// DeliveryRetention is how long a processed delivery keeps its payload
	// (DELIVERY_RETENTION); 0 keeps payloads forever.
	DeliveryRetention time.Duration
	// UndoWindow is how long after aaa acted an Undo is accepted
	// (UNDO_WINDOW); 0 turns undo off.
	UndoWindow time.Duration
	// HeartbeatInterval is how often `aaa serve` records that it is
	// running (HEARTBEAT_INTERVAL); the dashboard reads a server missing
	// two beats as gone.
	HeartbeatInterval time.Duration

	// Feedback reminder policy (per-rule overrides live in the database).
	ReminderFirstAfter time.Duration
	ReminderEvery      time.Duration
	ReminderMax        int
	// ReminderWorkStart and ReminderWorkEnd are offsets from local midnight.
	ReminderWorkStart time.Duration
	ReminderWorkEnd   time.Duration
	ReminderTimezone  string
	ReminderLocation  *time.Location
	ReminderWorkdays  []time.Weekday
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
	{"METRICS_ADDR", "", "address of a separate listener for /metrics (e.g. :9090 or 127.0.0.1:9090); when set, /metrics is not served on PORT", false},
	{"ADMIN_API_TOKEN", "", "bearer token for /admin routes, named \"admin\"; with ADMIN_API_TOKENS unset too, the admin API is off", true},
	{"ADMIN_API_TOKENS", "", "named admin tokens, comma-separated name=token pairs; name=token:ro may only read (GET); the name is recorded as who changed a rule", true},
	{"FRONTEND_URL", "http://localhost:5173", "comma-separated CORS origins", false},
	{"LOG_LEVEL", "INFO", "DEBUG, INFO, WARN (WARNING is the same) or ERROR; lines print DEBUG, INFO, WARN, ERROR", false},
	{"LOG_FORMAT", "json", "json or text", false},
	{"WEBHOOK_RATE_LIMIT", "6000", "unsigned or wrongly signed webhook requests per minute per client address (signed ones are never limited)", false},
	{"TRUSTED_PROXIES", "", "comma-separated CIDRs (or addresses) of reverse proxies whose X-Forwarded-For names the client, for the webhook rate limit and the access log (empty: the peer address)", false},
	{"ADVANCEMENT_DRY_RUN_MODE", "false", "true forces every rule into shadow mode", false},
	{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS", "7", "days after the last interview before missing feedback times out", false},
	{"ADVANCEMENT_FEEDBACK_TIMEOUT", "", "feedback timeout as a duration (e.g. 90s); overrides ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS (demo, tests)", false},
	{"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES", "30", "minutes to wait after the newest submission before deciding", false},
	{"FEEDBACK_SYNC_INTERVAL", "30m", "feedback sync period", false},
	{"EVALUATION_SWEEP_INTERVAL", "30m", "evaluation sweep period", false},
	{"METADATA_SYNC_INTERVAL", "6h", "jobs, plans, stages, forms, archive reasons, users sync period", false},
	{"INTERVIEW_SYNC_INTERVAL", "12h", "interview definitions sync period", false},
	{"SLACK_USER_SYNC_INTERVAL", "12h", "Slack user directory sync period", false},
	{"REMINDER_INTERVAL", "5m", "feedback reminder job period", false},
	{"UNDO_WINDOW", "15m", "how long after aaa advanced or archived a candidate an Undo moves them back (0 turns undo off)", false},
	{"HEARTBEAT_INTERVAL", "15s", "how often aaa serve records in the database that it is running (at least 1s); the dashboard shows a server that missed two beats as gone", false},
	{"JOB_TIMEOUT", "2m", "longest one run of a background job may take", false},
	{"JOB_RESCUE_AFTER", "3m", "when a job left running by a crashed process runs again (must exceed JOB_TIMEOUT)", false},
	{"DELIVERY_RETENTION", "30d", "how long processed webhook deliveries keep their payload (e.g. 30d, 720h; 0 keeps it forever); the row, its dedupe key and audit links stay", false},
	{"REMINDERS_ENABLED", "true when Slack is configured", "send feedback reminders", false},
	{"REMINDER_FIRST_AFTER", "2h", "delay from an interview's end to the first feedback reminder", false},
	{"REMINDER_EVERY", "24h", "delay between feedback reminders, and from the last one to the escalation", false},
	{"REMINDER_MAX", "3", "reminders per interviewer and interview before escalating to the recruiter", false},
	{"REMINDER_WORK_HOURS", "09:00-18:00", "working hours (HH:MM-HH:MM) reminders are sent in", false},
	{"REMINDER_TIMEZONE", "UTC", "IANA time zone of the working hours (e.g. Europe/Paris)", false},
	{"REMINDER_WORKDAYS", "Mon-Fri", "working days: a range (Mon-Fri) or a list (Mon,Tue,Thu)", false},
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
		MetricsAddr:          l.str("METRICS_ADDR", ""),
		AdminAPIToken:        l.secret("ADMIN_API_TOKEN"),
		AdminAPITokens:       l.adminTokens("ADMIN_API_TOKENS"),
		FrontendURLs:         l.list("FRONTEND_URL"),
		LogLevel:             strings.ToUpper(l.str("LOG_LEVEL", "INFO")),
		LogFormat:            strings.ToLower(l.str("LOG_FORMAT", "json")),
		WebhookRateMin:       l.int("WEBHOOK_RATE_LIMIT", 6000, 1, 1<<30),
		TrustedProxies:       l.prefixes("TRUSTED_PROXIES"),
		DryRun:               l.bool("ADVANCEMENT_DRY_RUN_MODE", false),
		TimeoutDays:          l.int("ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS", 7, 1, 365),
		MinWait:              time.Duration(l.int("ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES", 30, 0, 7*24*60)) * time.Minute,

		FeedbackSyncInterval:    l.dur("FEEDBACK_SYNC_INTERVAL", 30*time.Minute),
		EvaluationSweepInterval: l.dur("EVALUATION_SWEEP_INTERVAL", 30*time.Minute),
		MetadataSyncInterval:    l.dur("METADATA_SYNC_INTERVAL", 6*time.Hour),
		InterviewSyncInterval:   l.dur("INTERVIEW_SYNC_INTERVAL", 12*time.Hour),
		SlackUserSyncInterval:   l.dur("SLACK_USER_SYNC_INTERVAL", 12*time.Hour),
		ReminderInterval:        l.dur("REMINDER_INTERVAL", 5*time.Minute),
		JobTimeout:              l.dur("JOB_TIMEOUT", 2*time.Minute),
		JobRescueAfter:          l.dur("JOB_RESCUE_AFTER", 3*time.Minute),
		DeliveryRetention:       l.retention("DELIVERY_RETENTION", 30*24*time.Hour),
		HeartbeatInterval:       l.dur("HEARTBEAT_INTERVAL", 15*time.Second),
	}
	if _, ok := env["FRONTEND_URL"]; !ok {
		c.FrontendURLs = []string{"http://localhost:5173"}
	}
	c.UndoWindow = 15 * time.Minute
	if v := l.str("UNDO_WINDOW", ""); v == "0" {
		c.UndoWindow = 0
	} else if c.UndoWindow = l.dur("UNDO_WINDOW", c.UndoWindow); c.UndoWindow > 24*time.Hour {
		l.problem("UNDO_WINDOW: %s is longer than 24h (an undo is for second thoughts, not for later changes)", c.UndoWindow)
	}
	c.FeedbackTimeout = l.dur("ADVANCEMENT_FEEDBACK_TIMEOUT", time.Duration(c.TimeoutDays)*24*time.Hour)
	c.RemindersEnabled = l.bool("REMINDERS_ENABLED", c.SlackBotToken != "")
	c.ReminderFirstAfter = l.dur("REMINDER_FIRST_AFTER", 2*time.Hour)
	c.ReminderEvery = l.dur("REMINDER_EVERY", 24*time.Hour)
	c.ReminderMax = l.int("REMINDER_MAX", 3, 1, 50)
	c.ReminderWorkStart, c.ReminderWorkEnd = l.workHours("REMINDER_WORK_HOURS", "09:00-18:00")
	c.ReminderTimezone = l.str("REMINDER_TIMEZONE", "UTC")
	if loc, err := time.LoadLocation(c.ReminderTimezone); err != nil {
		l.problem("REMINDER_TIMEZONE: %q is not a known time zone (e.g. UTC, Europe/Paris)", c.ReminderTimezone)
	} else {
		c.ReminderLocation = loc
	}
	c.ReminderWorkdays = l.weekdays("REMINDER_WORKDAYS", "Mon-Fri")
	kind, path, err := ParseDatabaseURL(c.DatabaseURL)
	if err != nil {
		l.problem("DATABASE_URL: %v", err)
	}
	c.DatabaseKind, c.SQLitePath = kind, path
	switch c.LogLevel {
	case "DEBUG", "INFO", "WARN", "ERROR":
	case "WARNING":
		// Log lines spell each level one way, slog's: WARNING is WARN.
		c.LogLevel = "WARN"
	case "CRITICAL":
		// The seed's highest level; aaa logs nothing above ERROR.
		c.LogLevel = "ERROR"
	default:
		l.problem("LOG_LEVEL: %q is not one of DEBUG, INFO, WARN (or WARNING), ERROR", c.LogLevel)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			l.problem("METRICS_ADDR: %q is not host:port or :port (e.g. :9090)", c.MetricsAddr)
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		l.problem("LOG_FORMAT: %q is not json or text", c.LogFormat)
	}
	if c.AshbyRateLimit <= 0 {
		l.problem("ASHBY_RATE_LIMIT: must be greater than 0")
	}
	if c.AdminAPIToken != "" && len(c.AdminAPIToken) < MinAdminTokenLen {
		l.problem("ADMIN_API_TOKEN: shorter than %d characters; use a random token (e.g. openssl rand -hex 16)", MinAdminTokenLen)
	}
	for _, t := range c.AdminAPITokens {
		if len(t.Token) < MinAdminTokenLen {
			l.problem("ADMIN_API_TOKENS: the token of %q is shorter than %d characters; use a random token (e.g. openssl rand -hex 16)", t.Name, MinAdminTokenLen)
		}
	}
	if c.AdminAPIToken != "" {
		for _, t := range c.AdminAPITokens {
			if t.Name == "admin" {
				l.problem("ADMIN_API_TOKENS: the name \"admin\" belongs to ADMIN_API_TOKEN; rename the pair or drop ADMIN_API_TOKEN")
			}
			if t.Token == c.AdminAPIToken {
				l.problem("ADMIN_API_TOKENS: token %q is the same as ADMIN_API_TOKEN; each token must be different", t.Name)
			}
		}
	}
	if c.JobRescueAfter <= c.JobTimeout {
		l.problem("JOB_RESCUE_AFTER: %s must be longer than JOB_TIMEOUT (%s)", c.JobRescueAfter, c.JobTimeout)
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if len(l.problems) > 0 {
		return c, &Error{Problems: l.problems}
	}
	return c, nil
}

// MinAdminTokenLen is the shortest admin token (ADMIN_API_TOKEN and each
// ADMIN_API_TOKENS entry) aaa starts with.
const MinAdminTokenLen = 16

// ParseDatabaseURL tells a Postgres URL from a SQLite path. Empty means
// sqlite:aaa.db in the working directory. It refuses what aaa cannot use:
// an unknown scheme, a Postgres URL that does not parse (the error never
// quotes the URL: it may hold a password), and query parameters on a SQLite
// path (aaa sets SQLite's options itself; "x.db?mode=ro" is not a file name).
func ParseDatabaseURL(u string) (kind, sqlitePath string, err error) {
	u = strings.TrimSpace(u)
	var p string
	switch {
	case u == "":
		return "sqlite", "aaa.db", nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := url.Parse(u); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return "", "", fmt.Errorf("not a valid postgres:// URL: %v", err)
		}
		return "postgres", "", nil
	case strings.HasPrefix(u, "sqlite://"):
		if p = strings.TrimPrefix(u, "sqlite://"); p == "" {
			return "", "", errors.New("sqlite:// URL has no path")
		}
	case strings.HasPrefix(u, "sqlite:"):
		if p = strings.TrimPrefix(u, "sqlite:"); p == "" {
			return "", "", errors.New("sqlite: URL has no path")
		}
	case strings.Contains(u, "://"):
		scheme, _, _ := strings.Cut(u, "://")
		return "", "", fmt.Errorf("unknown scheme %q (use postgres://, postgresql:// or sqlite:PATH)", scheme)
	case schemeRE.MatchString(u):
		scheme, _, _ := strings.Cut(u, ":")
		return "", "", fmt.Errorf("unknown scheme %q (use postgres://, postgresql:// or sqlite:PATH; a file name with a colon is written sqlite:PATH)", scheme)
	default:
		p = u
	}
	if path, query, ok := strings.Cut(p, "?"); ok {
		hint := "aaa sets SQLite's options itself (WAL, busy_timeout, foreign keys, synchronous); give the file path alone"
		if strings.Contains(query, "mode=") {
			hint = "aaa's reading commands (tui, rules, webhooks, backtest, metadata, migrate --status) open an existing file and never create one, " +
				"and 'aaa store copy --from' opens it read-only; give the file path alone"
		}
		return "", "", fmt.Errorf("SQLite query parameters are not supported (%q after the path %s): %s", "?"+query, path, hint)
	}
	return "sqlite", p, nil
}

// schemeRE matches a URL scheme without "//" (file:x.db, mysql:...).
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

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
		v := strings.TrimSpace(string(b))
		if v == "" {
			// Running on would refuse every request the secret checks.
			l.problem("%s_FILE: %s is empty; put the secret in it or unset %s_FILE", name, f, name)
		}
		return v
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

// maxRetentionDays bounds a retention (and keeps days*24h far from
// overflowing a time.Duration).
const maxRetentionDays = 36500

// retention reads a retention period: whole days ("30d"), a Go duration
// ("720h"), or 0 for forever. Anything else shorter than an hour is refused:
// a typo must not empty payloads still being processed.
func (l *loader) retention(name string, def time.Duration) time.Duration {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	if v == "0" {
		return 0
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			l.problem("%s: %q is not a retention like 30d or 720h (0 keeps payloads forever)", name, v)
			return def
		}
		if n > maxRetentionDays {
			l.problem("%s: %s is longer than %dd (use 0 to keep payloads forever)", name, v, maxRetentionDays)
			return def
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			l.problem("%s: %q is not a retention like 30d or 720h (0 keeps payloads forever)", name, v)
			return def
		}
		if d > maxRetentionDays*24*time.Hour {
			l.problem("%s: %s is longer than %dd (use 0 to keep payloads forever)", name, v, maxRetentionDays)
			return def
		}
	}
	if d == 0 {
		return 0
	}
	if d < time.Hour {
		l.problem("%s: %s is shorter than 1h (use 0 to keep payloads forever)", name, d)
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

// workHours parses "HH:MM-HH:MM" into offsets from midnight; the end must
// come after the start (24:00 is allowed as an end).
func (l *loader) workHours(name, def string) (start, end time.Duration) {
	v := l.str(name, def)
	a, b, ok := strings.Cut(v, "-")
	start, okA := clockOffset(a)
	end, okB := clockOffset(b)
	if !ok || !okA || !okB || end <= start {
		l.problem("%s: %q is not a working-hours range like 09:00-18:00", name, v)
		a, b, _ = strings.Cut(def, "-")
		start, _ = clockOffset(a)
		end, _ = clockOffset(b)
	}
	return start, end
}

// clockOffset parses "HH:MM" (00:00 to 24:00) into an offset from midnight.
func clockOffset(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// weekdays parses "Mon-Fri", "Sun-Thu" (a range may wrap) or "Mon,Wed,Fri";
// days are matched on their first three letters, case-insensitively.
func (l *loader) weekdays(name, def string) []time.Weekday {
	v := l.str(name, def)
	day := func(s string) (time.Weekday, bool) {
		s = strings.ToLower(strings.TrimSpace(s))
		if len(s) < 3 {
			return 0, false
		}
		d, ok := weekdayNames[s[:3]]
		return d, ok
	}
	var out []time.Weekday
	add := func(d time.Weekday) {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	for _, part := range strings.Split(v, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := day(a)
		to, ok2 := from, true
		if isRange {
			to, ok2 = day(b)
		}
		if !ok1 || !ok2 {
			l.problem("%s: %q is not a list of days like Mon-Fri or Mon,Wed,Fri", name, v)
			return nil
		}
		for d := from; ; d = (d + 1) % 7 {
			add(d)
			if d == to {
				break
			}
		}
	}
	return out
}

// AdminToken is one named admin API token.
type AdminToken struct {
	Name  string
	Token string
	// ReadOnly tokens (written name=token:ro) may only read.
	ReadOnly bool
}

// adminTokens parses "name=token[:ro],..." (a secret, so NAME_FILE works
// too). A problem never quotes a token.
func (l *loader) adminTokens(name string) []AdminToken {
	raw := l.secret(name)
	var out []AdminToken
	names, tokens := map[string]bool{}, map[string]string{}
	for i, pair := range strings.Split(raw, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		n, tok, ok := strings.Cut(pair, "=")
		n, tok = strings.TrimSpace(n), strings.TrimSpace(tok)
		if !ok {
			l.problem("%s: pair %d is not name=token", name, i+1)
			continue
		}
		t := AdminToken{Name: n}
		t.Token, t.ReadOnly = strings.CutSuffix(tok, ":ro")
		switch {
		case n == "":
			l.problem("%s: pair %d has no name (want name=token)", name, i+1)
		case strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r == '"' || r == '=' }):
			l.problem("%s: name %q may not hold spaces, quotes or '='", name, n)
		case t.Token == "":
			l.problem("%s: %q has an empty token", name, n)
		case names[n]:
			l.problem("%s: the name %q is given twice", name, n)
		case tokens[t.Token] != "":
			l.problem("%s: %q and %q have the same token; each token must be different", name, tokens[t.Token], n)
		default:
			names[n], tokens[t.Token] = true, n
			out = append(out, t)
		}
	}
	return out
}
