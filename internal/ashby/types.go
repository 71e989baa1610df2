package ashby

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Stage types Ashby uses for interviewStage.type (the stage-group types).
const (
	StageTypeLead               = "Lead"
	StageTypePreInterviewScreen = "PreInterviewScreen"
	StageTypeActive             = "Active"
	StageTypeOffer              = "Offer"
	StageTypeHired              = "Hired"
	StageTypeArchived           = "Archived"
)

// Application statuses.
const (
	ApplicationStatusActive   = "Active"
	ApplicationStatusArchived = "Archived"
	ApplicationStatusHired    = "Hired"
	ApplicationStatusLead     = "Lead"
)

// Form field types seen in feedback forms.
const (
	FieldTypeScore            = "Score"
	FieldTypeValueSelect      = "ValueSelect"
	FieldTypeMultiValueSelect = "MultiValueSelect"
	FieldTypeBoolean          = "Boolean"
	FieldTypeNumber           = "Number"
	FieldTypeString           = "String"
	FieldTypeLongText         = "LongText"
	FieldTypeRichText         = "RichText"
)

// InterviewStage is a stage of an interview plan. OrderInInterviewPlan is
// ordered but not contiguous.
type InterviewStage struct {
	ID                    string `json:"id"`
	Title                 string `json:"title"`
	Type                  string `json:"type"`
	OrderInInterviewPlan  int    `json:"orderInInterviewPlan"`
	InterviewStageGroupID string `json:"interviewStageGroupId,omitempty"`
	InterviewPlanID       string `json:"interviewPlanId"`
}

// SortStages sorts stages by OrderInInterviewPlan (stable).
func SortStages(stages []InterviewStage) {
	slices.SortStableFunc(stages, func(a, b InterviewStage) int {
		return a.OrderInInterviewPlan - b.OrderInInterviewPlan
	})
}

// ArchivedStage returns the stage of type Archived, the target of an archive.
func ArchivedStage(stages []InterviewStage) (InterviewStage, bool) {
	for _, s := range stages {
		if s.Type == StageTypeArchived {
			return s, true
		}
	}
	return InterviewStage{}, false
}

// NextStage returns the stage after currentID in plan order, skipping
// Archived- and Hired-type stages. ok is false when there is none or currentID
// is not in stages.
func NextStage(stages []InterviewStage, currentID string) (InterviewStage, bool) {
	sorted := slices.Clone(stages)
	SortStages(sorted)
	i := slices.IndexFunc(sorted, func(s InterviewStage) bool { return s.ID == currentID })
	if i < 0 {
		return InterviewStage{}, false
	}
	for _, s := range sorted[i+1:] {
		if s.Type != StageTypeArchived && s.Type != StageTypeHired {
			return s, true
		}
	}
	return InterviewStage{}, false
}

// InterviewPlan is a published interview plan.
type InterviewPlan struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	IsArchived bool      `json:"isArchived"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
}

// Location is an expanded job location.
type Location struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// HiringTeamMember is a member of a job's or application's hiring team.
type HiringTeamMember struct {
	UserID    string `json:"userId"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Role      string `json:"role"`
}

// Job is an Ashby job.
type Job struct {
	ID                     string             `json:"id"`
	Title                  string             `json:"title"`
	Confidential           bool               `json:"confidential"`
	Status                 string             `json:"status"`
	EmploymentType         string             `json:"employmentType"`
	LocationID             string             `json:"locationId,omitempty"`
	DepartmentID           string             `json:"departmentId,omitempty"`
	DefaultInterviewPlanID string             `json:"defaultInterviewPlanId,omitempty"`
	InterviewPlanIDs       []string           `json:"interviewPlanIds"`
	Location               *Location          `json:"location,omitempty"`
	HiringTeam             []HiringTeamMember `json:"hiringTeam,omitempty"`
	CreatedAt              time.Time          `json:"createdAt,omitzero"`
	UpdatedAt              time.Time          `json:"updatedAt,omitzero"`
}

// ContactInfo is an email address or phone number of a candidate.
type ContactInfo struct {
	Value     string `json:"value"`
	Type      string `json:"type"`
	IsPrimary bool   `json:"isPrimary,omitempty"`
}

// FileHandle references a file such as a resume.
type FileHandle struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Handle string `json:"handle"`
}

// Candidate is the result of candidate.info.
type Candidate struct {
	ID                  string        `json:"id"`
	Name                string        `json:"name"`
	PrimaryEmailAddress *ContactInfo  `json:"primaryEmailAddress,omitempty"`
	EmailAddresses      []ContactInfo `json:"emailAddresses"`
	PrimaryPhoneNumber  *ContactInfo  `json:"primaryPhoneNumber,omitempty"`
	PhoneNumbers        []ContactInfo `json:"phoneNumbers"`
	Position            string        `json:"position,omitempty"`
	Company             string        `json:"company,omitempty"`
	School              string        `json:"school,omitempty"`
	ApplicationIDs      []string      `json:"applicationIds"`
	ResumeFileHandle    *FileHandle   `json:"resumeFileHandle,omitempty"`
	ProfileURL          string        `json:"profileUrl"`
	Timezone            string        `json:"timezone,omitempty"`
	CreatedAt           time.Time     `json:"createdAt,omitzero"`
	UpdatedAt           time.Time     `json:"updatedAt,omitzero"`
}

// Email returns the primary email address, else the first one, else "".
func (c Candidate) Email() string {
	if c.PrimaryEmailAddress != nil && c.PrimaryEmailAddress.Value != "" {
		return c.PrimaryEmailAddress.Value
	}
	if len(c.EmailAddresses) > 0 {
		return c.EmailAddresses[0].Value
	}
	return ""
}

// ApplicationCandidate is the candidate summary embedded in an application.
type ApplicationCandidate struct {
	ID                  string       `json:"id"`
	Name                string       `json:"name"`
	PrimaryEmailAddress *ContactInfo `json:"primaryEmailAddress,omitempty"`
	PrimaryPhoneNumber  *ContactInfo `json:"primaryPhoneNumber,omitempty"`
}

// ApplicationJob is the job summary embedded in an application.
type ApplicationJob struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	LocationID   string `json:"locationId,omitempty"`
	DepartmentID string `json:"departmentId,omitempty"`
}

// ApplicationHistory is one stage visit of an application.
type ApplicationHistory struct {
	ID             string     `json:"id"`
	StageID        string     `json:"stageId"`
	Title          string     `json:"title"`
	EnteredStageAt time.Time  `json:"enteredStageAt"`
	LeftStageAt    *time.Time `json:"leftStageAt,omitempty"`
	StageNumber    int        `json:"stageNumber"`
	ActorID        string     `json:"actorId,omitempty"`
}

// Application is Ashby's application object (application.info,
// application.changeStage).
type Application struct {
	ID                    string               `json:"id"`
	CreatedAt             time.Time            `json:"createdAt,omitzero"`
	UpdatedAt             time.Time            `json:"updatedAt,omitzero"`
	Status                string               `json:"status"`
	Candidate             ApplicationCandidate `json:"candidate"`
	CurrentInterviewStage *InterviewStage      `json:"currentInterviewStage,omitempty"`
	ArchiveReason         *ArchiveReason       `json:"archiveReason,omitempty"`
	ArchivedAt            *time.Time           `json:"archivedAt,omitempty"`
	Job                   ApplicationJob       `json:"job"`
	HiringTeam            []HiringTeamMember   `json:"hiringTeam"`
	ApplicationHistory    []ApplicationHistory `json:"applicationHistory,omitempty"`
}

// StageID returns the current stage id, or "".
func (a Application) StageID() string {
	if a.CurrentInterviewStage == nil {
		return ""
	}
	return a.CurrentInterviewStage.ID
}

// PlanID returns the interview plan of the current stage, or "". Applications
// have no top-level plan id.
func (a Application) PlanID() string {
	if a.CurrentInterviewStage == nil {
		return ""
	}
	return a.CurrentInterviewStage.InterviewPlanID
}

// Recruiter returns the hiring-team member with role "Recruiter".
func (a Application) Recruiter() (HiringTeamMember, bool) {
	for _, m := range a.HiringTeam {
		if m.Role == "Recruiter" {
			return m, true
		}
	}
	return HiringTeamMember{}, false
}

// User is an Ashby user.
type User struct {
	ID         string    `json:"id"`
	FirstName  string    `json:"firstName"`
	LastName   string    `json:"lastName"`
	Email      string    `json:"email"`
	GlobalRole string    `json:"globalRole,omitempty"`
	IsEnabled  bool      `json:"isEnabled"`
	ManagerID  string    `json:"managerId,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
}

// Interview is an interview definition (interview.info/list).
type Interview struct {
	ID                  string `json:"id"`
	Title               string `json:"title"`
	ExternalTitle       string `json:"externalTitle,omitempty"`
	IsArchived          bool   `json:"isArchived"`
	IsDebrief           bool   `json:"isDebrief"`
	IsFeedbackRequired  bool   `json:"isFeedbackRequired"`
	IsFeedbackRequested bool   `json:"isFeedbackRequested"`
	InstructionsHTML    string `json:"instructionsHtml,omitempty"`
	InstructionsPlain   string `json:"instructionsPlain,omitempty"`
	// JobID is empty for a shared interview.
	JobID                    string `json:"jobId,omitempty"`
	FeedbackFormDefinitionID string `json:"feedbackFormDefinitionId"`
}

// ArchiveReason is a reason for archiving an application.
type ArchiveReason struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	ReasonType string `json:"reasonType"`
	IsArchived bool   `json:"isArchived"`
}

// CommunicationTemplate is an email template usable as archiveEmail.
type CommunicationTemplate struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	IntendedTypes []string  `json:"intendedTypes"`
	CreatedAt     time.Time `json:"createdAt,omitzero"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"`
}

// SelectableValue is one option of a ValueSelect/MultiValueSelect field.
type SelectableValue struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// FieldDefinition is the field inside a form section entry.
type FieldDefinition struct {
	ID                string            `json:"id,omitempty"`
	Type              string            `json:"type"`
	Path              string            `json:"path"`
	HumanReadablePath string            `json:"humanReadablePath,omitempty"`
	Title             string            `json:"title"`
	IsNullable        bool              `json:"isNullable"`
	SelectableValues  []SelectableValue `json:"selectableValues,omitempty"`
}

// SectionField is an entry of FormSection.Fields.
type SectionField struct {
	IsRequired       bool            `json:"isRequired"`
	DescriptionHTML  string          `json:"descriptionHtml,omitempty"`
	DescriptionPlain string          `json:"descriptionPlain,omitempty"`
	Field            FieldDefinition `json:"field"`
}

// FormSection is a section of a form definition.
type FormSection struct {
	Title            string         `json:"title,omitempty"`
	DescriptionHTML  string         `json:"descriptionHtml,omitempty"`
	DescriptionPlain string         `json:"descriptionPlain,omitempty"`
	Fields           []SectionField `json:"fields"`
}

// FormDefinition is the sections of a feedback form.
type FormDefinition struct {
	Sections []FormSection `json:"sections"`
}

// FormField is a flattened form field: what rules reference by Path.
type FormField struct {
	ID                string
	Path              string
	Title             string
	HumanReadablePath string
	Type              string
	IsRequired        bool
	IsNullable        bool
	SelectableValues  []SelectableValue
	Section           string
}

// Fields flattens the sections into their fields, in form order.
func (d FormDefinition) Fields() []FormField {
	var out []FormField
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			out = append(out, FormField{
				ID:                f.Field.ID,
				Path:              f.Field.Path,
				Title:             f.Field.Title,
				HumanReadablePath: f.Field.HumanReadablePath,
				Type:              f.Field.Type,
				IsRequired:        f.IsRequired,
				IsNullable:        f.Field.IsNullable,
				SelectableValues:  f.Field.SelectableValues,
				Section:           s.Title,
			})
		}
	}
	return out
}

// ParseFormDefinition decodes a stored form definition that is either a
// feedback form object ({"formDefinition":{"sections":...}}) or bare
// sections ({"sections":...}).
func ParseFormDefinition(raw []byte) (FormDefinition, error) {
	var v struct {
		FormDefinition *FormDefinition `json:"formDefinition"`
		Sections       []FormSection   `json:"sections"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return FormDefinition{}, fmt.Errorf("decode form definition: %w", err)
	}
	if v.FormDefinition != nil {
		return *v.FormDefinition, nil
	}
	return FormDefinition{Sections: v.Sections}, nil
}

// FeedbackForm is a feedback form definition (feedbackFormDefinition.list).
type FeedbackForm struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organizationId,omitempty"`
	Title          string         `json:"title"`
	IsArchived     bool           `json:"isArchived"`
	IsDefaultForm  bool           `json:"isDefaultForm"`
	InterviewID    string         `json:"interviewId,omitempty"`
	FormDefinition FormDefinition `json:"formDefinition"`
}

// Fields flattens the form's fields, in form order.
func (f FeedbackForm) Fields() []FormField { return f.FormDefinition.Fields() }

// Feedback is one submitted scorecard (applicationFeedback.list).
type Feedback struct {
	ID                       string          `json:"id"`
	ApplicationID            string          `json:"applicationId"`
	InterviewID              string          `json:"interviewId,omitempty"`
	InterviewEventID         string          `json:"interviewEventId,omitempty"`
	FeedbackFormDefinitionID string          `json:"feedbackFormDefinitionId,omitempty"`
	ApplicationHistoryID     string          `json:"applicationHistoryId,omitempty"`
	SubmittedAt              *time.Time      `json:"submittedAt,omitempty"`
	SubmittedByUser          User            `json:"submittedByUser"`
	FormDefinition           *FormDefinition `json:"formDefinition,omitempty"`
	// SubmittedValues maps field path to the raw JSON value; use ScoreValue
	// for Score fields.
	SubmittedValues map[string]json.RawMessage `json:"submittedValues"`
}

// Score decodes the submitted value at path as a score (see ScoreValue).
func (f Feedback) Score(path string) (float64, bool) {
	raw, ok := f.SubmittedValues[path]
	if !ok {
		return 0, false
	}
	return ScoreValue(raw)
}
