// Package doctor checks a real aaa setup end to end: the database, the
// Ashby API key and its permissions, the cached metadata, the webhook
// secret and deliveries (and, given a public URL, a signed ping through
// it), the Slack app's token, scopes, signing secret and admin channel,
// whether the people aaa messages have Slack users, and whether active
// rules still fit Ashby's forms and stages. `aaa doctor` prints the
// report as a checklist; GET /admin/doctor returns it as JSON.
//
// Checks are data (Check: section, name, status, detail, fix), rendered
// with names, never bare ids, and without secrets: a check says which
// setting is wrong (ASHBY_API_KEY), never its value. Run only reads,
// except the store's write probe (store.CheckWrites, a row inserted and
// deleted again) and the ping POSTed to the public URL. It never calls
// application.changeStage: a key's Candidates: write permission can only
// be verified by a real move, which the report says.
//
// Every network check runs under its own timeout (Options.Timeout), and a
// failure of one part (Ashby unreachable) skips the checks that need it
// with a line saying so, so the report is always complete.
package doctor
