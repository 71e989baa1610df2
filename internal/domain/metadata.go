package domain

import (
	"encoding/json"
	"time"
)

// Job is a cached Ashby job.
type Job struct {
	ID                     string    `json:"id"`
	Title                  string    `json:"title"`
	Status                 string    `json:"status"`
	DepartmentID           string    `json:"department_id"`
	DefaultInterviewPlanID string    `json:"default_interview_plan_id"`
	LocationName           string    `json:"location"`
	EmploymentType         string    `json:"employment_type"`
	PlanIDs                []string  `json:"-"`
	SyncedAt               time.Time `json:"-"`
}

// Plan is a cached interview plan.
type Plan struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	IsArchived bool   `json:"is_archived"`
	IsDefault  bool   `json:"is_default"`
}

// Stage is a cached interview stage.
type Stage struct {
	ID     string `json:"id"`
	PlanID string `json:"interview_plan_id"`
	Title  string `json:"title"`
	Type   string `json:"type"`
	Order  int    `json:"order"`
}

// Interview is a cached interview definition.
type Interview struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	JobID      string `json:"job_id"`
	FormID     string `json:"feedback_form_id"`
	IsArchived bool   `json:"is_archived"`
	IsDebrief  bool   `json:"is_debrief"`
}

// Form is a cached feedback form definition; Definition is Ashby's whole object.
type Form struct {
	ID         string
	Title      string
	Definition json.RawMessage
	IsArchived bool
}

// ArchiveReason is a cached Ashby archive reason.
type ArchiveReason struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	ReasonType string `json:"reason_type"`
	IsArchived bool   `json:"is_archived"`
}

// AshbyUser is a cached Ashby user.
type AshbyUser struct {
	ID         string
	FirstName  string
	LastName   string
	Email      string
	GlobalRole string
	IsEnabled  bool
}

// Application is the cached state of an Ashby application.
type Application struct {
	ID             string
	CandidateID    string
	JobID          string
	CurrentStageID string
	Status         string
	CandidateName  string
	ProfileURL     string
	RecruiterEmail string
	UpdatedAt      time.Time
}
