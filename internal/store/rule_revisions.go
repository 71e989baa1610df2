package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// RuleRevisionStore keeps the history of rule changes
// (advancement_rule_revisions).
type RuleRevisionStore interface {
	// InsertRuleRevision stores one revision (id generated when empty).
	InsertRuleRevision(ctx context.Context, rev domain.RuleRevision) (domain.RuleRevision, error)
	// ListRuleRevisions returns a rule's revisions, newest first (an empty
	// list for a rule without history).
	ListRuleRevisions(ctx context.Context, ruleID string) ([]domain.RuleRevision, error)
}

var _ RuleRevisionStore = (*DB)(nil)

// InsertRuleRevision implements RuleRevisionStore.
func (db *DB) InsertRuleRevision(ctx context.Context, rev domain.RuleRevision) (domain.RuleRevision, error) {
	if rev.ID == "" {
		rev.ID = NewID()
	}
	if rev.Changes == nil {
		rev.Changes = []domain.FieldChange{}
	}
	rev.CreatedAt = rev.CreatedAt.UTC()
	changes, err := json.Marshal(rev.Changes)
	if err != nil {
		return domain.RuleRevision{}, fmt.Errorf("encode revision changes: %w", err)
	}
	if _, err := db.exec(ctx, `
INSERT INTO advancement_rule_revisions (revision_id, rule_id, version, action, actor, source, changes, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		rev.ID, rev.RuleID, rev.Version, rev.Action, rev.Actor, rev.Source, string(changes), rev.CreatedAt); err != nil {
		return domain.RuleRevision{}, fmt.Errorf("insert revision of rule %s: %w", rev.RuleID, err)
	}
	return rev, nil
}

// ListRuleRevisions implements RuleRevisionStore.
func (db *DB) ListRuleRevisions(ctx context.Context, ruleID string) ([]domain.RuleRevision, error) {
	// The version breaks ties of changes stamped within the same instant.
	rows, err := db.r.QueryContext(ctx, `
SELECT revision_id, rule_id, version, action, actor, source, changes, created_at
FROM advancement_rule_revisions WHERE rule_id = $1 ORDER BY version DESC, created_at DESC, revision_id`, ruleID)
	if err != nil {
		return nil, fmt.Errorf("query revisions of rule %s: %w", ruleID, db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.RuleRevision{}
	for rows.Next() {
		var rev domain.RuleRevision
		var changes string
		var created sql.NullTime
		if err := rows.Scan(&rev.ID, &rev.RuleID, &rev.Version, &rev.Action, &rev.Actor, &rev.Source, &changes, &created); err != nil {
			return nil, fmt.Errorf("scan revision: %w", db.mapErr(err))
		}
		if err := json.Unmarshal([]byte(changes), &rev.Changes); err != nil {
			return nil, fmt.Errorf("decode changes of revision %s: %w", rev.ID, err)
		}
		rev.CreatedAt = timeOf(created)
		out = append(out, rev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query revisions of rule %s: %w", ruleID, db.mapErr(err))
	}
	return out, nil
}
