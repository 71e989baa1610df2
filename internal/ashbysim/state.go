package ashbysim

import "time"

type job struct {
	id, title, status, employmentType  string
	departmentID, locationID, location string
	planIDs                            []string
	hiringTeam                         []teamMember
	createdAt, updatedAt               time.Time
	seq                                int64
}

type plan struct {
	id, title            string
	archived             bool
	createdAt, updatedAt time.Time
	seq                  int64
}

type stage struct {
	id, title, typ, planID, groupID string
	order                           int
}

type interview struct {
	id, title, jobID, formID string
	archived, debrief        bool
	feedbackRequired         bool
	seq                      int64
}

type formField struct {
	id, path, title, typ string
	required             bool
	values               [][2]string // label, value
}

type formSection struct {
	title  string
	fields []formField
}

type form struct {
	id, title, interviewID string
	archived, isDefault    bool
	sections               []formSection
	seq                    int64
}

type user struct {
	id, first, last, email, role string
	enabled                      bool
	updatedAt                    time.Time
	seq                          int64
}

type archiveReason struct {
	id, text, reasonType string
	archived             bool
}

type template struct {
	id, title            string
	types                []string
	createdAt, updatedAt time.Time
}

type candidate struct {
	id, name, email, phone, position, company string
	appIDs                                    []string
	createdAt, updatedAt                      time.Time
}

type teamMember struct {
	userID, role string
}

type historyEntry struct {
	id, stageID, actorID string
	entered              time.Time
	left                 *time.Time
}

type application struct {
	id, candidateID, jobID, stageID, status string
	archiveReasonID                         string
	archivedAt                              *time.Time
	createdAt, updatedAt                    time.Time
	history                                 []historyEntry
	hiringTeam                              []teamMember
	seq                                     int64
}

type assignment struct {
	userID, trainingRole string
	feedbackRequired     bool
}

type event struct {
	id, interviewID, scheduleID string
	location, meetingLink       string
	start, end                  time.Time
	createdAt, updatedAt        time.Time
	interviewers                []assignment
}

type schedule struct {
	id, appID, stageID, status string
	createdAt, updatedAt       time.Time
	eventIDs                   []string
	seq                        int64
}

type feedback struct {
	id, appID, eventID, interviewID, formID, userID, historyID string
	values                                                     map[string]any
	submittedAt, updatedAt                                     time.Time
	seq                                                        int64
}

// SentEmail is an archive email requested through changeStage.
type SentEmail struct {
	ApplicationID string
	TemplateID    string
	// SendAt is the requested send time, or zero when Ashby's default
	// (next morning) applies.
	SendAt time.Time
}

// ApplicationState is a snapshot of an application for assertions.
type ApplicationState struct {
	ID              string
	CandidateID     string
	JobID           string
	StageID         string
	StageTitle      string
	StageType       string
	Status          string
	ArchiveReasonID string
	ArchivedAt      *time.Time
	UpdatedAt       time.Time
	// History lists the stage ids visited, oldest first (current last).
	History []string
}
