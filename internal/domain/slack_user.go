package domain

// SlackUser is a Slack workspace member (slack_users).
type SlackUser struct {
	ID          string
	Email       string
	RealName    string
	DisplayName string
	IsBot       bool
	Deleted     bool
}
