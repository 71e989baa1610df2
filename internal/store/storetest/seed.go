package storetest

// SeedQueries are the troubleshooting queries of the seed's deployment guide;
// they must run unchanged on aaa's database, on both backends.
var SeedQueries = []string{
	"SELECT COUNT(*) FROM slack_users",
	"SELECT COUNT(*) FROM feedback_form_definitions",
	"SELECT * FROM schema_migrations",
	"SELECT * FROM schema_migrations ORDER BY version",
	"SELECT COUNT(*) FROM advancement_rules WHERE is_active = true",
	"SELECT * FROM advancement_rules WHERE is_active = true",
	"SELECT COUNT(*) FROM feedback_submissions",
	"SELECT * FROM advancement_executions ORDER BY executed_at DESC LIMIT 5",
	"SELECT COUNT(*) FROM interview_schedules WHERE interview_plan_id IS NULL",
	"SELECT COUNT(*), MAX(created_at) FROM feedback_submissions",
	"SELECT 1",
}
