package domain

import "time"

// Sources of a rule change: the door it came through.
const (
	SourceAPI = "api"
	SourceCLI = "cli"
	SourceTUI = "tui"
)

// Revision actions: what one change did to a rule. An edit that only flips
// the mode or the active flag is recorded as that, whichever door it came
// through, so the same change reads the same in the history.
const (
	RevisionCreate     = "create"
	RevisionUpdate     = "update"
	RevisionMode       = "mode"
	RevisionActivate   = "activate"
	RevisionDeactivate = "deactivate"
	RevisionDelete     = "delete"
)

// FieldChange is one field of a rule before and after a change. Old is nil
// for a created rule; values are the field's plain text ("live", "3",
// "true").
type FieldChange struct {
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// RuleRevision is one change to a rule: who made it, through which door,
// and the fields it changed. Version is the rule's version after the change.
type RuleRevision struct {
	ID        string
	RuleID    string
	Version   int
	Action    string
	Actor     string
	Source    string
	Changes   []FieldChange
	CreatedAt time.Time
}
