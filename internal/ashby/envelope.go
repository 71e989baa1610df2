package ashby

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Envelope is a webhook body decoded in one pass, down to the interview
// schedule of the schedule actions: the webhook door and ingestion decode
// with the same types, so what the door accepts ingestion can read.
type Envelope struct {
	Action          string        `json:"action"`
	Type            string        `json:"type"`
	WebhookActionID string        `json:"webhookActionId"`
	Data            *EnvelopeData `json:"data"`
}

// EnvelopeData is the data object of an Envelope.
type EnvelopeData struct {
	// InterviewSchedule is set for interviewScheduleUpdate and
	// interviewScheduleCreate.
	InterviewSchedule *InterviewSchedule `json:"interviewSchedule"`
	// Application is set for candidateStageChange, applicationUpdate and
	// candidateHire.
	Application *Application `json:"application"`
	// Candidate is set for candidateDelete.
	Candidate *IDRef `json:"candidate"`
	// DeletedCandidate and MergedCandidate are set for candidateMerge: the
	// first was merged into the second.
	DeletedCandidate *IDRef `json:"deletedCandidate"`
	MergedCandidate  *IDRef `json:"mergedCandidate"`
}

// IDRef is an object named by its id ({"id": "…"}).
type IDRef struct {
	ID string `json:"id"`
}

// IsApplicationAction reports whether action tells of an application's
// stage or status (data.application).
func IsApplicationAction(action string) bool {
	return action == ActionCandidateStageChange || action == ActionApplicationUpdate || action == ActionCandidateHire
}

// IsLifecycleAction reports whether action is one aaa follows besides
// schedules: stage changes, hires, candidate deletes and merges.
func IsLifecycleAction(action string) bool {
	return IsApplicationAction(action) || action == ActionCandidateDelete || action == ActionCandidateMerge
}

// Handled reports whether aaa processes deliveries of action (the others
// are stored and ignored).
func Handled(action string) bool { return IsScheduleAction(action) || IsLifecycleAction(action) }

// FieldError names the field of a webhook body that cannot be accepted. It
// wraps ErrInvalidPayload.
type FieldError struct {
	// Field is a dotted path ("data.interviewSchedule.status"), with
	// indexes where they are known ("interviewEvents[0]"); "body" for the
	// body as a whole.
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Unwrap makes errors.Is(err, ErrInvalidPayload) true.
func (e *FieldError) Unwrap() error { return ErrInvalidPayload }

// IsScheduleAction reports whether action carries an interview schedule
// aaa stores.
func IsScheduleAction(action string) bool {
	return action == ActionInterviewScheduleUpdate || action == ActionInterviewScheduleCreate
}

// DecodeEnvelope decodes a webhook body in one pass. It returns a
// *json.SyntaxError (wrapped) for a body that is not JSON, and a
// *FieldError for a body whose fields have the wrong JSON types (a status
// that is a number, events that are an object, a time that is not RFC
// 3339). A type error inside data.interviewSchedule of an action aaa does
// not store is not an error: such deliveries are kept as they came.
func DecodeEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	err := json.Unmarshal(body, &env)
	if env.Data != nil && env.Data.InterviewSchedule != nil {
		env.Data.InterviewSchedule.normalize()
	}
	if err == nil {
		return env, nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return env, fmt.Errorf("decode webhook: %w", err)
		}
		// An error from a field's own decoding that names no field.
		return env, &FieldError{Field: "data", Problem: "cannot be decoded: " + err.Error()}
	}
	if ignoredField(te.Field, env.Action) {
		return env, nil
	}
	field := te.Field
	if field == "" {
		field = "body"
	}
	if te.Type == timeType {
		return env, &FieldError{Field: field, Problem: "must be an RFC 3339 time such as 2024-10-20T14:00:00Z"}
	}
	return env, &FieldError{Field: field, Problem: "must be " + jsonKind(te.Type) + ", not " + articled(te.Value)}
}

// ignoredField reports whether a type error at field is in a part of data
// that action does not use: such deliveries are kept as they came.
func ignoredField(field, action string) bool {
	if action == "" {
		return false
	}
	switch {
	case strings.HasPrefix(field, "data.interviewSchedule"):
		return !IsScheduleAction(action)
	case strings.HasPrefix(field, "data.application"):
		return !IsApplicationAction(action)
	case strings.HasPrefix(field, "data.candidate"):
		return action != ActionCandidateDelete
	case strings.HasPrefix(field, "data.deletedCandidate"), strings.HasPrefix(field, "data.mergedCandidate"):
		return action != ActionCandidateMerge
	}
	return false
}

// Check reports what makes a decoded webhook unfit to be stored and
// processed, as a *FieldError; ping is not checked. Every webhook needs a
// string action and a data object, and no NUL in the strings stored beside
// its payload. A schedule action needs data.interviewSchedule with an id
// and an applicationId, and no NUL in any of its strings (Postgres cannot
// store NUL in text; SQLite would cut strings short).
func (e Envelope) Check() error {
	if e.Action == "" {
		return &FieldError{Field: "action", Problem: "is required"}
	}
	if err := noNUL("action", e.Action); err != nil {
		return err
	}
	if err := noNUL("webhookActionId", e.WebhookActionID); err != nil {
		return err
	}
	if e.Data == nil {
		return &FieldError{Field: "data", Problem: "must be an object"}
	}
	switch {
	case IsApplicationAction(e.Action):
		return checkRef("data.application", e.Data.Application != nil, appID(e.Data.Application))
	case e.Action == ActionCandidateDelete:
		return checkRef("data.candidate", e.Data.Candidate != nil, refID(e.Data.Candidate))
	case e.Action == ActionCandidateMerge:
		if err := checkRef("data.deletedCandidate", e.Data.DeletedCandidate != nil, refID(e.Data.DeletedCandidate)); err != nil {
			return err
		}
		return checkRef("data.mergedCandidate", e.Data.MergedCandidate != nil, refID(e.Data.MergedCandidate))
	case !IsScheduleAction(e.Action):
		return nil
	}
	s := e.Data.InterviewSchedule
	if s == nil {
		return &FieldError{Field: "data.interviewSchedule", Problem: "must be an object"}
	}
	return s.check("data.interviewSchedule")
}

// CheckUTF8 reports a body that is not valid UTF-8 (stores keep payloads
// as text), naming the offset of the first bad byte.
func CheckUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	i := 0
	for i < len(body) {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	return &FieldError{Field: "body", Problem: "is not valid UTF-8 (bad byte at offset " + strconv.Itoa(i) + ")"}
}

// check validates a schedule received in a webhook; path is its location.
func (s *InterviewSchedule) check(path string) error {
	if s.ID == "" {
		return &FieldError{Field: path + ".id", Problem: "is required"}
	}
	if s.ApplicationID == "" {
		return &FieldError{Field: path + ".applicationId", Problem: "is required"}
	}
	for _, f := range []struct{ name, v string }{
		{"id", s.ID}, {"status", s.Status}, {"applicationId", s.ApplicationID}, {"candidateId", s.CandidateID},
		{"interviewStageId", s.InterviewStageID},
	} {
		if err := noNUL(path+"."+f.name, f.v); err != nil {
			return err
		}
	}
	for i, e := range s.InterviewEvents {
		ep := path + ".interviewEvents[" + strconv.Itoa(i) + "]"
		for _, f := range []struct{ name, v string }{
			{"id", e.ID}, {"interviewId", e.InterviewID}, {"feedbackLink", e.FeedbackLink}, {"location", e.Location},
			{"meetingLink", e.MeetingLink},
		} {
			if err := noNUL(ep+"."+f.name, f.v); err != nil {
				return err
			}
		}
		for j, iv := range e.Interviewers {
			ip := ep + ".interviewers[" + strconv.Itoa(j) + "]"
			fields := []struct{ name, v string }{
				{"id", iv.ID}, {"firstName", iv.FirstName}, {"lastName", iv.LastName}, {"email", iv.Email},
				{"globalRole", iv.GlobalRole}, {"trainingRole", iv.TrainingRole},
			}
			if p := iv.InterviewerPool; p != nil {
				fields = append(fields, struct{ name, v string }{"interviewerPool.id", p.ID},
					struct{ name, v string }{"interviewerPool.title", p.Title})
			}
			for _, f := range fields {
				if err := noNUL(ip+"."+f.name, f.v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// SourceTime is Ashby's own time of the schedule's state: its updatedAt,
// else the newest updatedAt of its events; zero when Ashby sent neither.
func (s InterviewSchedule) SourceTime() time.Time {
	if !s.UpdatedAt.IsZero() {
		return s.UpdatedAt.Time
	}
	var t time.Time
	for _, e := range s.InterviewEvents {
		if e.UpdatedAt.After(t) {
			t = e.UpdatedAt.Time
		}
	}
	return t
}

func noNUL(field, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return &FieldError{Field: field, Problem: "must not contain a NUL character"}
	}
	return nil
}

// Time is a time in a webhook: it decodes like time.Time (RFC 3339, null
// for none) but reports a bad one as a *json.UnmarshalTypeError, which
// encoding/json completes with the field's path, so the door can name it.
type Time struct{ time.Time }

var timeType = reflect.TypeFor[Time]()

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if err := t.Time.UnmarshalJSON(b); err != nil {
		v := "string"
		if len(b) > 0 && b[0] != '"' {
			v = jsonValueKind(b[0])
		}
		return &json.UnmarshalTypeError{Value: v, Type: timeType}
	}
	return nil
}

func jsonValueKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// jsonKind names the JSON form a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a valid value"
}

func articled(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "object", "array":
		return "an " + kind
	case "":
		return "something else"
	}
	return "a " + kind
}

// checkRef checks an object of data that must carry an id.
func checkRef(path string, present bool, id string) error {
	switch {
	case !present:
		return &FieldError{Field: path, Problem: "must be an object"}
	case id == "":
		return &FieldError{Field: path + ".id", Problem: "is required"}
	}
	return noNUL(path+".id", id)
}

func appID(a *Application) string {
	if a == nil {
		return ""
	}
	return a.ID
}

func refID(r *IDRef) string {
	if r == nil {
		return ""
	}
	return r.ID
}
