// Package ashbysim is an in-memory Ashby workspace served over HTTP with
// Ashby's wire format, for tests and for `aaa demo`.
//
// A *Sim is an http.Handler: mount it with httptest.NewServer and point an
// ashby.Client's BaseURL at it. It implements the methods aaa uses
// (interviewStage.info/list, interviewPlan.list, job.info/list,
// application.info/changeStage, applicationFeedback.list,
// feedbackFormDefinition.list/info, interview.info/list, user.list,
// archiveReason.list, candidate.info, communicationTemplate.list) as POST
// /<method> with a JSON body, answering {"success":true,"results":...} or
// HTTP 200 {"success":false,"errors":[code],"errorInfo":{code,message,requestId}}.
//
// Behaviour modelled on Ashby's documentation:
//   - Basic auth with the API key as user: no credentials give HTTP 401
//     (code "unauthenticated"), a wrong key HTTP 403 (code "invalid_api_key").
//     These codes are the simulator's own; Ashby documents only the statuses.
//     Deny(method) makes the key lack a method's permission: HTTP 403 with
//     Ashby's code missing_endpoint_permission.
//   - Paginated lists honour limit (capped by Options.PageSize and 100),
//     cursor, moreDataAvailable/nextCursor, and return a syncToken on the last
//     page. A syncToken returns only records created or changed after it was
//     issued; ExpireSyncTokens makes every issued token fail with
//     sync_token_expired. Cursors are keyset cursors and never expire.
//   - application.changeStage validates the stage against the application's
//     plan, requires archiveReasonId for the Archived-type stage and refuses
//     archive fields otherwise, and checks archive reasons and email templates.
//
// Every request is recorded (Calls, CallCount) with its wall-clock arrival time,
// HTTP status and Ashby error code. Faults (SetFault) inject 5xx, 429 with
// Retry-After, delays, dropped connections and "apply then drop" per method,
// drawn from a math/rand source seeded by Options.Seed so runs repeat.
//
// Scenario builders (AddPanelScenario) create a job, plan, stages, interview,
// form, users and candidates in one call; SubmitFeedback, EditFeedback,
// MoveApplication, SetScheduleStatus and RemoveFormField change the
// workspace as people in Ashby would. SendScheduleUpdate, SendPing and Replay deliver signed
// webhooks. All state is guarded by one mutex. Business timestamps come from
// Options.Now.
package ashbysim
