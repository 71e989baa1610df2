package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// maxListed caps the emails a check lists in its detail.
const maxListed = 10

// slack checks the token, its scopes, the signing secret, the admin
// channel and the people aaa messages.
func (r *run) slack(ctx context.Context, dbOK bool) {
	const sec = SectionSlack
	if r.o.Slack == nil {
		r.add(sec, "Slack", Warn, "Slack is off (SLACK_BOT_TOKEN is not set): no rejection notices, reminders or admin alerts are sent.",
			"Create the Slack app from slack-manifest.yml (docs/slack.md) and set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.")
		return
	}
	tokenOK := r.token(ctx)
	if r.o.SlackSigningSecret == "" {
		r.add(sec, "Signing secret", Fail, "SLACK_SIGNING_SECRET is not set: aaa refuses every button click from Slack.",
			"Copy the Signing Secret from the Slack app's Basic Information page into SLACK_SIGNING_SECRET.")
	} else {
		r.add(sec, "Signing secret", Pass, "SLACK_SIGNING_SECRET is set.", "")
	}
	if !tokenOK {
		return
	}
	r.adminChannel(ctx)
	if dbOK {
		r.people(ctx)
	}
}

// token checks the bot token with auth.test and the scopes it was granted.
func (r *run) token(ctx context.Context) bool {
	const sec = SectionSlack
	cctx, cancel := r.timeout(ctx)
	id, err := r.o.Slack.AuthTest(cctx)
	cancel()
	if err != nil {
		if code := slackapp.ErrorCode(err); code != "" {
			r.add(sec, "Bot token", Fail, fmt.Sprintf("Slack refused SLACK_BOT_TOKEN (%s).", code),
				"Copy the Bot User OAuth Token (xoxb-...) from the Slack app's OAuth & Permissions page into SLACK_BOT_TOKEN.")
		} else {
			r.add(sec, "Bot token", Fail, fmt.Sprintf("Slack did not answer auth.test: %v", err),
				"Check the network and SLACK_API_URL (unset means Slack's own API).")
		}
		return false
	}
	team := id.Team
	if team == "" {
		team = "its workspace"
	}
	r.add(sec, "Bot token", Pass, "SLACK_BOT_TOKEN is valid for "+team+".", "")

	if id.Scopes == nil {
		r.add(sec, "Scopes", Warn, "Slack sent no x-oauth-scopes header, so the granted scopes could not be checked.",
			"Check by hand that the app has the bot scopes of slack-manifest.yml: "+strings.Join(r.o.RequiredScopes, ", ")+".")
		return true
	}
	var missing []string
	for _, s := range r.o.RequiredScopes {
		if !slices.Contains(id.Scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		r.add(sec, "Scopes", Fail, "The token lacks the scopes "+strings.Join(missing, ", ")+"; Slack will refuse the calls that need them.",
			"Add them under the Slack app's OAuth & Permissions > Bot Token Scopes (slack-manifest.yml lists them), reinstall the app, and update SLACK_BOT_TOKEN if it changed.")
		return true
	}
	r.add(sec, "Scopes", Pass, "Granted: "+strings.Join(r.o.RequiredScopes, ", ")+".", "")
	return true
}

// adminChannel checks ADMIN_SLACK_CHANNEL_ID exists and the bot is in it.
func (r *run) adminChannel(ctx context.Context) {
	const sec = SectionSlack
	if r.o.AdminChannelID == "" {
		r.add(sec, "Admin channel", Warn, "ADMIN_SLACK_CHANNEL_ID is not set: admin alerts (failed moves, timeouts) are only logged.",
			"Set ADMIN_SLACK_CHANNEL_ID to the channel's id (channel details > About, at the bottom) and invite the bot there.")
		return
	}
	cctx, cancel := r.timeout(ctx)
	ch, err := r.o.Slack.ConversationInfo(cctx, r.o.AdminChannelID)
	cancel()
	switch code := slackapp.ErrorCode(err); {
	case err == nil:
	case code == "missing_scope":
		r.add(sec, "Admin channel", Warn,
			"Cannot look at the admin channel: conversations.info needs the channels:read scope (groups:read for a private channel), which aaa does not otherwise need.",
			"Check by hand that the bot is in the channel of ADMIN_SLACK_CHANNEL_ID, or add channels:read to let aaa doctor check it.")
		return
	case code == "channel_not_found":
		r.add(sec, "Admin channel", Fail, "ADMIN_SLACK_CHANNEL_ID is not a channel the bot can see: admin alerts cannot be posted.",
			"Use the channel's id (channel details > About, at the bottom), not its name, and invite the bot: /invite @aaa.")
		return
	default:
		r.add(sec, "Admin channel", Warn, fmt.Sprintf("Cannot look at the admin channel: %v", err), "Run aaa doctor again.")
		return
	}
	name := "#" + ch.Name
	if ch.Name == "" {
		name = "the admin channel"
	}
	switch {
	case ch.IsArchived:
		r.add(sec, "Admin channel", Fail, name+" is archived: admin alerts cannot be posted.",
			"Set ADMIN_SLACK_CHANNEL_ID to an active channel and invite the bot there.")
	case !ch.IsMember:
		r.add(sec, "Admin channel", Fail, "The bot is not a member of "+name+": admin alerts cannot be posted.",
			"In "+name+", type /invite @aaa (the app's bot user).")
	default:
		r.add(sec, "Admin channel", Pass, "The bot is a member of "+name+".", "")
	}
}

// people checks the interviewers and recruiters of the active rules' jobs
// have a Slack user (by email), so reminders and notices reach them.
func (r *run) people(ctx context.Context) {
	const sec = SectionSlack
	rules, err := r.activeRules(ctx)
	if err != nil {
		r.add(sec, "People", Warn, fmt.Sprintf("Cannot read the rules: %v", err), "")
		return
	}
	var jobIDs, planIDs []string
	for _, rl := range rules {
		if rl.JobID != "" {
			jobIDs = append(jobIDs, rl.JobID)
		} else if rl.InterviewPlanID != "" {
			planIDs = append(planIDs, rl.InterviewPlanID)
		}
	}
	if len(rules) == 0 {
		r.add(sec, "People", Pass, "No active rule, so nobody to message yet.", "")
		return
	}
	people, err := r.o.Store.JobPeople(ctx, jobIDs, planIDs)
	if err != nil {
		r.add(sec, "People", Warn, fmt.Sprintf("Cannot read the interviewers and recruiters: %v", err), "")
		return
	}
	who := "interviewers and recruiters"
	if !r.o.Reminders {
		// Without reminders aaa writes only to recruiters.
		kept := people[:0:0]
		for _, p := range people {
			if p.Role == store.RoleRecruiter {
				kept = append(kept, p)
			}
		}
		people, who = kept, "recruiters (interviewers get no reminders: REMINDERS_ENABLED is off)"
	}
	if len(people) == 0 {
		r.add(sec, "People", Pass, "No interviewer or recruiter of the active rules' jobs is known yet (they arrive with the first schedules).", "")
		return
	}
	var unmatched []string
	for _, p := range people {
		u, err := r.o.Store.GetSlackUserByEmail(ctx, p.Email)
		if errors.Is(err, domain.ErrNotFound) || (err == nil && u.Deleted) {
			unmatched = append(unmatched, p.Email)
			continue
		}
		if err != nil {
			r.add(sec, "People", Warn, fmt.Sprintf("Cannot read the Slack users: %v", err), "")
			return
		}
	}
	matched := len(people) - len(unmatched)
	if len(unmatched) > 0 {
		listed := unmatched
		more := ""
		if len(listed) > maxListed {
			more = fmt.Sprintf(" and %d more", len(listed)-maxListed)
			listed = listed[:maxListed]
		}
		r.add(sec, "People", Warn,
			fmt.Sprintf("%d of %d %s of the active rules' jobs have a Slack user; no Slack user has the email %s%s.",
				matched, len(people), who, strings.Join(listed, ", "), more),
			"Ask them to use the same email in Slack as in Ashby. aaa syncs Slack users every 12 hours; POST /admin/sync-slack-users syncs now.")
		return
	}
	r.add(sec, "People", Pass, fmt.Sprintf("All %d %s of the active rules' jobs have a Slack user.", len(people), who), "")
}
