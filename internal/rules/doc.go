// Package rules is "rules as code": it reads and writes advancement rules as
// YAML (or JSON) documents, validates rules against what the engine supports
// and against the synced Ashby metadata, and makes the store match a document.
//
// # The document
//
//	rules:
//	  - name: backend-tech-screen      # required, unique: the rule's identity
//	    job: Senior Backend Engineer   # optional; id or exact title
//	    interview_plan: Engineering    # id or exact title
//	    interview_stage: Tech Screen   # id or exact title, a stage of that plan
//	    target_stage: Onsite           # optional (empty: next stage by order)
//	    mode: shadow                   # shadow (default) or live
//	    on_reject: notify              # notify (default) or archive
//	    priority: 0
//	    requirements:
//	      - interview: Technical Interview   # id or exact title
//	        score_field_path: overall_score
//	        operator: ">="                   # >= > <= < == != in
//	        threshold_value: "3"
//	        aggregate: each                  # each (default), avg, min, max, count>=k
//	        is_required: true                # default true
//
// Optional rule fields: archive_reason_id, communication_template_id,
// notify_in_shadow, timeout_days, min_wait_minutes. Unknown fields are an
// error, so a typo cannot silently weaken a rule.
//
// # Apply semantics
//
// The document is the full desired set of active rules. [Apply] matches each
// document rule to a stored rule by name (a stored rule without a name is
// known as "rule-" plus the first 8 characters of its id, which is what
// [Export] writes for it), then:
//   - creates the rules that do not exist (in shadow mode unless the document
//     says live);
//   - updates the rules whose fields differ (each update bumps the rule's
//     version, so a rule whose fields are equal is left alone and a second
//     apply changes nothing); a matching inactive rule is re-activated;
//   - deactivates every active rule that the document does not name.
//
// Everything happens in one transaction, after every rule was validated; a
// single problem anywhere changes nothing. [Diff] computes the same plan
// without writing. Plans, stages, jobs and interviews may be named by id or
// by exact title; an ambiguous title is an error listing the candidates.
//
// Limits: rule actions (the seed's advance_stage rows) are not part of the
// document; an update keeps a rule's stored actions, a create stores the
// seed's single advance_stage action. Titles are resolved against the synced
// metadata only, so run a metadata sync before applying a document that names
// new plans or interviews.
package rules
