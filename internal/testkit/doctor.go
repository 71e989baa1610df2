package testkit

import (
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/doctor"
	"github.com/ashby-auto-advance/aaa/internal/server"
)

// doctor is what the stack's server runs on GET /admin/doctor: the test's
// own deps.Doctor, else one over the stack's store and clients with the
// server's secrets and the use cases' admin channel and archive reason,
// as `aaa serve` wires it.
func (s *Stack) doctor(deps server.Deps, o StackOptions) server.Doctor {
	if deps.Doctor != nil {
		return deps.Doctor
	}
	do := doctor.Options{Store: s.DB, WebhookSecret: deps.WebhookSecret, SlackSigningSecret: deps.SlackSigningSecret,
		AdminChannelID: o.App.AdminChannel, DefaultArchiveReasonID: o.App.DefaultArchiveReason, Reminders: true}
	if s.ATS != nil {
		do.ATS = s.ATS
	}
	if s.SlackClient != nil {
		do.Slack = s.SlackClient
	}
	if s.Database.Backend == "sqlite" {
		do.SQLitePath = strings.TrimPrefix(s.Database.URL, "sqlite:")
	}
	return doctor.New(do)
}
