package ashby

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SignatureHeader is the header carrying the webhook signature.
const SignatureHeader = "Ashby-Signature"

// Webhook actions aaa handles.
const (
	ActionPing                    = "ping"
	ActionInterviewScheduleUpdate = "interviewScheduleUpdate"
	ActionInterviewScheduleCreate = "interviewScheduleCreate"
	ActionCandidateStageChange    = "candidateStageChange"
	ActionApplicationUpdate       = "applicationUpdate"
	ActionCandidateHire           = "candidateHire"
	ActionCandidateDelete         = "candidateDelete"
	ActionCandidateMerge          = "candidateMerge"
)

// Interview schedule statuses.
const (
	ScheduleStatusNeedsScheduling   = "NeedsScheduling"
	ScheduleStatusScheduled         = "Scheduled"
	ScheduleStatusWaitingOnFeedback = "WaitingOnFeedback"
	ScheduleStatusComplete          = "Complete"
	ScheduleStatusCancelled         = "Cancelled"
	ScheduleStatusOnHold            = "OnHold"
)

// ErrInvalidPayload is returned by ParseWebhook and Webhook.Schedule for a
// body that is not a usable Ashby webhook envelope.
var ErrInvalidPayload = errors.New("invalid webhook payload")

// Sign returns the Ashby-Signature header value for body:
// "sha256=" + lowercase hex HMAC-SHA256(secret, body).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is a valid Ashby-Signature for the raw
// body under secret. An empty secret, or a header without the "sha256=" prefix,
// never verifies. The comparison is constant-time.
func VerifySignature(secret string, body []byte, header string) bool {
	if secret == "" || !strings.HasPrefix(header, "sha256=") {
		return false
	}
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// Webhook is an Ashby webhook envelope. Data is kept raw; decode it per action.
type Webhook struct {
	Action          string          `json:"action"`
	WebhookActionID string          `json:"webhookActionId,omitempty"`
	Type            string          `json:"type,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`
}

// ParseWebhook decodes a webhook envelope. It requires an action, and a data
// object for every action but ping. Unknown fields and actions are accepted.
func ParseWebhook(body []byte) (Webhook, error) {
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return Webhook{}, fmt.Errorf("decode webhook: %w: %w", ErrInvalidPayload, err)
	}
	if w.Action == "" {
		return Webhook{}, fmt.Errorf("decode webhook: %w: missing action", ErrInvalidPayload)
	}
	if w.IsPing() {
		return w, nil
	}
	if len(w.Data) == 0 || string(w.Data) == "null" || w.Data[0] != '{' {
		return Webhook{}, fmt.Errorf("decode webhook %s: %w: missing data object", w.Action, ErrInvalidPayload)
	}
	return w, nil
}

// IsPing reports whether w is Ashby's ping (sent when a webhook is created or
// edited).
func (w Webhook) IsPing() bool {
	if w.Action == ActionPing || w.Type == ActionPing {
		return true
	}
	var d struct {
		WebhookActionType string `json:"webhookActionType"`
	}
	return len(w.Data) > 0 && json.Unmarshal(w.Data, &d) == nil && d.WebhookActionType == ActionPing
}

// Schedule decodes data.interviewSchedule of an interviewScheduleUpdate or
// interviewScheduleCreate webhook.
func (w Webhook) Schedule() (InterviewSchedule, error) {
	var d struct {
		InterviewSchedule *InterviewSchedule `json:"interviewSchedule"`
	}
	if err := json.Unmarshal(w.Data, &d); err != nil {
		return InterviewSchedule{}, fmt.Errorf("decode interview schedule: %w: %w", ErrInvalidPayload, err)
	}
	if d.InterviewSchedule == nil || d.InterviewSchedule.ID == "" {
		return InterviewSchedule{}, fmt.Errorf("decode interview schedule: %w: missing data.interviewSchedule.id", ErrInvalidPayload)
	}
	d.InterviewSchedule.normalize()
	return *d.InterviewSchedule, nil
}

// InterviewSchedule is Ashby's interviewSchedule object, as sent in
// interviewScheduleUpdate webhooks (with CandidateID) and by the API.
type InterviewSchedule struct {
	ID               string           `json:"id"`
	Status           string           `json:"status"`
	ApplicationID    string           `json:"applicationId"`
	CandidateID      string           `json:"candidateId,omitempty"`
	InterviewStageID string           `json:"interviewStageId"`
	ScheduledBy      *User            `json:"scheduledBy,omitempty"`
	CreatedAt        Time             `json:"createdAt,omitzero"`
	UpdatedAt        Time             `json:"updatedAt,omitzero"`
	InterviewEvents  []InterviewEvent `json:"interviewEvents"`
}

// InterviewRef is the nested interview object some event forms carry.
type InterviewRef struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
}

// InterviewEvent is one scheduled interview of a schedule. After decoding
// (Webhook.Schedule, DecodeEnvelope), InterviewID is set from the nested
// interview object when only that was sent.
type InterviewEvent struct {
	ID                   string          `json:"id"`
	InterviewID          string          `json:"interviewId"`
	Interview            *InterviewRef   `json:"interview,omitempty"`
	InterviewScheduleID  string          `json:"interviewScheduleId,omitempty"`
	InterviewerUserIDs   []string        `json:"interviewerUserIds,omitempty"`
	Interviewers         []Interviewer   `json:"interviewers"`
	CreatedAt            Time            `json:"createdAt,omitzero"`
	UpdatedAt            Time            `json:"updatedAt,omitzero"`
	StartTime            Time            `json:"startTime"`
	EndTime              Time            `json:"endTime"`
	FeedbackLink         string          `json:"feedbackLink,omitempty"`
	Location             string          `json:"location,omitempty"`
	MeetingLink          string          `json:"meetingLink,omitempty"`
	HasSubmittedFeedback bool            `json:"hasSubmittedFeedback"`
	ExtraData            json.RawMessage `json:"extraData,omitempty"`
}

// normalize sets each event's InterviewID from its nested interview object
// when only that was sent. (A method run after decoding rather than an
// UnmarshalJSON: that would decode every event twice.)
func (s *InterviewSchedule) normalize() {
	for i := range s.InterviewEvents {
		if e := &s.InterviewEvents[i]; e.InterviewID == "" && e.Interview != nil {
			e.InterviewID = e.Interview.ID
		}
	}
}

// InterviewerPool is the pool an interviewer was drawn from.
type InterviewerPool struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	IsArchived bool   `json:"isArchived"`
}

// Training roles of an interviewer on an event.
const (
	TrainingRoleShadow        = "Shadow"
	TrainingRoleReverseShadow = "Reverse-Shadow"
)

// Interviewer is a user assigned to an interview event.
type Interviewer struct {
	ID         string `json:"id"`
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	Email      string `json:"email"`
	GlobalRole string `json:"globalRole,omitempty"`
	IsEnabled  bool   `json:"isEnabled"`
	UpdatedAt  Time   `json:"updatedAt,omitzero"`
	// TrainingRole is "Shadow", "Reverse-Shadow", "Trained" or empty.
	TrainingRole    string           `json:"trainingRole,omitempty"`
	InterviewerPool *InterviewerPool `json:"interviewerPool,omitempty"`
	// IsFeedbackRequired is nil when Ashby omitted it; see FeedbackRequired.
	IsFeedbackRequired *bool `json:"isFeedbackRequired,omitempty"`
}

// FeedbackRequired reports whether this interviewer owes feedback: the
// explicit flag when present, otherwise true.
func (i Interviewer) FeedbackRequired() bool {
	return i.IsFeedbackRequired == nil || *i.IsFeedbackRequired
}

// IsShadow reports whether the interviewer is shadowing (training).
func (i Interviewer) IsShadow() bool { return i.TrainingRole == TrainingRoleShadow }
