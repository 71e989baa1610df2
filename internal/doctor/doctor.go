package doctor

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Check statuses.
const (
	Pass = "pass"
	Warn = "warn"
	Fail = "fail"
)

// Report sections, in the order Run checks them.
const (
	SectionDatabase = "Database"
	SectionAshby    = "Ashby"
	SectionWebhooks = "Webhooks"
	SectionSlack    = "Slack"
	SectionRules    = "Rules"
)

// Check is one line of the report.
type Check struct {
	Section string `json:"section"`
	Name    string `json:"name"`
	// Status is Pass, Warn or Fail.
	Status string `json:"status"`
	// Detail says what was found, in a sentence with names.
	Detail string `json:"detail,omitempty"`
	// Fix says what to do next (warnings and failures).
	Fix string `json:"fix,omitempty"`
}

// Report is every check of one run, in order.
type Report struct {
	Checks []Check `json:"checks"`
}

// Status is the worst status of the report: Fail, else Warn, else Pass.
func (r Report) Status() string {
	worst := Pass
	for _, c := range r.Checks {
		switch c.Status {
		case Fail:
			return Fail
		case Warn:
			worst = Warn
		}
	}
	return worst
}

// ExitCode is `aaa doctor`'s exit status: 0 when every check passed, 1
// with warnings only, 2 with a failure.
func (r Report) ExitCode() int {
	switch r.Status() {
	case Fail:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// Count returns how many checks have status.
func (r Report) Count(status string) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == status {
			n++
		}
	}
	return n
}

// MarshalJSON adds the overall status and the counts to the checks.
func (r Report) MarshalJSON() ([]byte, error) {
	checks := r.Checks
	if checks == nil {
		checks = []Check{}
	}
	return json.Marshal(struct {
		Status   string  `json:"status"`
		ExitCode int     `json:"exit_code"`
		Passed   int     `json:"passed"`
		Warnings int     `json:"warnings"`
		Failures int     `json:"failures"`
		Checks   []Check `json:"checks"`
	}{r.Status(), r.ExitCode(), r.Count(Pass), r.Count(Warn), r.Count(Fail), checks})
}

// Store is what the checks read (implemented by *store.DB). CheckWrites is
// its only write: a probe row inserted and deleted again.
type Store interface {
	Ping(ctx context.Context) error
	SchemaCurrent(ctx context.Context) (pending int, err error)
	CheckWrites(ctx context.Context) error
	Dialect() string
	ListHeartbeats(ctx context.Context) ([]domain.Heartbeat, error)
	MetadataCounts(ctx context.Context) (store.MetadataCounts, error)
	ListInterviews(ctx context.Context, jobID string) ([]domain.Interview, error)
	GetInterview(ctx context.Context, id string) (domain.Interview, error)
	GetForm(ctx context.Context, id string) (domain.Form, error)
	GetStage(ctx context.Context, id string) (domain.Stage, error)
	GetJob(ctx context.Context, id string) (domain.Job, error)
	ListDeliveries(ctx context.Context, status string, limit int) ([]domain.Delivery, error)
	ListRules(ctx context.Context, activeOnly bool) ([]domain.Rule, error)
	ListReviews(ctx context.Context, ruleID string) ([]domain.Review, error)
	GetSlackUserByEmail(ctx context.Context, email string) (domain.SlackUser, error)
	JobPeople(ctx context.Context, jobIDs, planIDs []string) ([]store.Person, error)
}

// ATS is the part of Ashby's API the checks call (implemented by
// *ashby.Client): reads only.
type ATS interface {
	Probe(ctx context.Context, method string, params map[string]any) error
	ArchiveReasonList(ctx context.Context, includeArchived bool) ([]ashby.ArchiveReason, error)
	CommunicationTemplateList(ctx context.Context) ([]ashby.CommunicationTemplate, error)
}

// Slack is the part of Slack's API the checks call (implemented by
// *slackapp.Client).
type Slack interface {
	AuthTest(ctx context.Context) (slackapp.Identity, error)
	ConversationInfo(ctx context.Context, channelID string) (slackapp.Conversation, error)
}

// Options are the settings checked and the clients to check them with.
type Options struct {
	// Store is the database; nil when it could not be opened, with
	// StoreError saying why (the database checks fail, the others that need
	// it are skipped).
	Store      Store
	StoreError error
	// SQLitePath is the SQLite file ("" on Postgres), for its mode.
	SQLitePath string
	// ATS is the Ashby client; nil means ASHBY_API_KEY is not set.
	ATS ATS
	// Slack is the Slack client; nil means SLACK_BOT_TOKEN is not set.
	Slack Slack
	// HTTPClient sends the ping to the public URL (default: a client with
	// Timeout).
	HTTPClient *http.Client
	// WebhookSecret is ASHBY_WEBHOOK_SECRET, SlackSigningSecret
	// SLACK_SIGNING_SECRET; only whether they are set is reported.
	WebhookSecret      string
	SlackSigningSecret string
	// AdminChannelID is ADMIN_SLACK_CHANNEL_ID, DefaultArchiveReasonID
	// DEFAULT_ARCHIVE_REASON_ID.
	AdminChannelID         string
	DefaultArchiveReasonID string
	// Reminders is REMINDERS_ENABLED: interviewers get feedback reminders
	// in Slack, so they must have Slack users too; off, only recruiters
	// (rejection notices) are checked.
	Reminders bool
	// RequiredScopes are the Slack bot scopes aaa needs (default
	// RequiredScopes, the list of slack-manifest.yml).
	RequiredScopes []string
	// ShadowReviewAge flags shadow rules this old with no review (default
	// 14 days).
	ShadowReviewAge time.Duration
	// Timeout bounds each network check (default 15s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// RequiredScopes are the bot scopes slack-manifest.yml asks for.
var RequiredScopes = []string{"chat:write", "im:write", "users:read", "users:read.email"}

// Doctor runs the checks. Create it with New; it is safe for concurrent
// use.
type Doctor struct {
	o Options
}

// New returns a Doctor over o.
func New(o Options) *Doctor {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	if o.RequiredScopes == nil {
		o.RequiredScopes = RequiredScopes
	}
	if o.ShadowReviewAge <= 0 {
		o.ShadowReviewAge = 14 * 24 * time.Hour
	}
	return &Doctor{o: o}
}

// RunOptions are the choices of one run.
type RunOptions struct {
	// PublicURL, when set, is where Ashby reaches this server (e.g. the
	// ngrok URL): a signed ping is POSTed to PublicURL/webhooks/ashby and
	// must be answered 200 pong.
	PublicURL string
}

// Run runs every check and returns the report. It does not fail: a check
// that cannot run is itself a line of the report.
func (d *Doctor) Run(ctx context.Context, ro RunOptions) Report {
	r := &run{d: d, o: d.o, ro: ro}
	dbOK := r.database(ctx)
	r.ashby(ctx, dbOK)
	r.webhooks(ctx, dbOK)
	r.slack(ctx, dbOK)
	r.rulesSection(ctx, dbOK)
	return Report{Checks: r.checks}
}

// run is one Run's state.
type run struct {
	d      *Doctor
	o      Options
	ro     RunOptions
	checks []Check
	// rules are the active rules (loaded once by the first section that
	// needs them).
	active       []domain.Rule
	activeLoaded bool
	activeErr    error
}

func (r *run) add(section, name, status, detail, fix string) {
	r.checks = append(r.checks, Check{Section: section, Name: name, Status: status, Detail: detail, Fix: fix})
}

// timeout bounds one network check.
func (r *run) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.Timeout)
}

// activeRules loads the active rules once.
func (r *run) activeRules(ctx context.Context) ([]domain.Rule, error) {
	if !r.activeLoaded {
		r.active, r.activeErr = r.o.Store.ListRules(ctx, true)
		r.activeLoaded = true
	}
	return r.active, r.activeErr
}
