// Package rules is the only writer of advancement rules, and "rules as
// code": it validates rules against what the engine supports and against the
// synced Ashby metadata, reads and writes them as YAML (or JSON) documents,
// and makes the store match a document.
//
// # The service
//
// [Service] (built with [New]) is used by every door that changes rules: the
// admin API, `aaa rules apply`, the dashboard and `aaa bench`. Nothing else
// writes rules. Each operation ([Service.Create], [Service.Update],
// [Service.SetMode], [Service.Activate], [Service.Deactivate],
// [Service.Delete], [Service.Apply]) runs in one store transaction that
//   - validates the resulting rule ([CheckShape], [CheckMetadata]; problems
//     are a *[ValidationError]), except for a deactivation, which is always
//     allowed;
//   - refuses an active rule whose name another active rule has, or whose
//     scope (plan, stage and job) another active rule covers, with a
//     *[ConflictError] carrying the admin API's message
//     ([ScopeConflictMessage]), never a driver's;
//   - compares the version the caller read with the stored one (0 skips the
//     check; a mismatch is a *[ConflictError]), and the store's UpdateRule
//     compares it again in its WHERE clause, so concurrent writers on
//     Postgres cannot both win;
//   - writes a revision (domain.RuleRevision: version, [Actor] name and
//     source, the changed fields with old and new values) to
//     advancement_rule_revisions. An edit that changes nothing writes
//     nothing. The revision's action is named by what changed (a change of
//     only the mode is "mode" whichever door it came through), so the same
//     change reads the same in every history.
//
// A change of mode is logged as rule_mode_changed with the actor.
// [Service.History] lists a rule's revisions newest first and [Describe]
// renders one for people with titles ([LoadTitles]) instead of ids.
//
// # The document
//
//	rules:
//	  - name: backend-tech-screen      # required, unique: the rule's identity
//	    job: Backend Engineer          # optional; id or exact title
//	    interview_plan: Engineering    # id or title; may be left out when the job has one plan
//	    interview_stage: Phone Screen  # id or title, a stage of that plan
//	    target_stage: Onsite           # optional (empty: next stage by order)
//	    mode: shadow                   # shadow (default) or live
//	    on_reject: notify              # notify (default) or archive
//	    priority: 0
//	    requirements:
//	      - interview: Panel Interview       # id or title, among the job's interviews
//	        score_field_path: overall_score
//	        operator: ">="                   # >= > <= < == != in
//	        threshold_value: "3"
//	        aggregate: each                  # each (default), avg, min, max, count>=k
//	        is_required: true                # default true
//
// Titles are resolved within the rule's scope (see [Refs]): a job among all
// jobs, a plan among the job's plans, a stage among the plan's stages, an
// interview among the job's interviews and then the shared ones (for a rule
// of any job: the interviews of the jobs using the plan, the shared ones,
// then all). A title twice in the scope is an error listing the choices'
// ids; an id always works. [Export] writes titles that resolve back to the
// same ids, with the ids as YAML comments, so applying an export changes
// nothing. The admin API resolves its job, interview_plan, interview_stage,
// target_stage and requirements[].interview fields the same way
// ([ResolveRefs]).
//
// Optional rule fields: archive_reason_id, communication_template_id,
// notify_in_shadow, timeout_days, min_wait_minutes, reject_delay (a
// duration such as 2h, 90m or 1d, at most 7 days; 0 archives at once; see
// [ParseDelay]), act_in_work_hours, notify_on_advance. Unknown fields are
// an error, so a typo cannot silently weaken a rule.
//
// # Apply semantics
//
// [Service.Apply] matches each document rule to a stored rule by name (a
// stored rule without a name is known as "rule-" plus the first 8
// characters of its id, which is what [Export] writes for it), then:
//   - creates the rules that do not exist (in shadow mode unless the document
//     says live);
//   - updates the rules whose fields differ (each update bumps the rule's
//     version, so a rule whose fields are equal is left alone and a second
//     apply changes nothing); a matching inactive rule is re-activated;
//   - leaves the active rules the document does not name as they are
//     (listed in Plan.Kept), unless ApplyOptions.Prune: then it deactivates
//     them. ApplyOptions.Confirmed makes a prune refuse to deactivate a rule
//     the caller did not confirm (aaa rules apply --prune asks first).
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
