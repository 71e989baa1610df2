package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/riverqueue/river/rivertype"
)

// fast are queue options that retry and poll in milliseconds.
func fast(o jobs.Options) jobs.Options {
	o.RetryBase, o.RetryMax = 5*time.Millisecond, 20*time.Millisecond
	o.PollInterval = 20 * time.Millisecond
	return o
}

// start works q's jobs with h until the test ends.
func start(t *testing.T, q *jobs.Queue, h jobs.Handlers) {
	t.Helper()
	testkit.Must(t, q.Start(context.Background(), h))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

// call is one use-case call a worker made.
type call struct {
	Method string
	ID     string
	Final  bool
}

// useCases records what the workers call. Each method fails while fail
// says so, which lets a test see retries.
type useCases struct {
	mu    sync.Mutex
	calls []call
	// fail decides whether the n-th call (from 1) of method for id fails.
	fail func(method, id string, n int) bool
	// rerun decides whether the n-th evaluation of id asks for another run.
	rerun func(id string, n int) bool
}

func (u *useCases) record(method, id string, final bool) (n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls = append(u.calls, call{method, id, final})
	for _, c := range u.calls {
		if c.Method == method && c.ID == id {
			n++
		}
	}
	return n
}

func (u *useCases) result(method, id string, n int) error {
	if u.fail != nil && u.fail(method, id, n) {
		return fmt.Errorf("%s %s: attempt %d fails", method, id, n)
	}
	return nil
}

func (u *useCases) IngestDelivery(_ context.Context, id string, final bool) error {
	return u.result("ingest", id, u.record("ingest", id, final))
}

func (u *useCases) IngestBatch(_ context.Context, ids []string) error {
	id := strings.Join(ids, ",")
	return u.result("ingest_batch", id, u.record("ingest_batch", id, false))
}

func (u *useCases) EvaluateSchedule(_ context.Context, id string) (bool, time.Duration, error) {
	n := u.record("evaluate", id, false)
	if u.rerun != nil && u.rerun(id, n) {
		return true, 10 * time.Millisecond, nil
	}
	return false, 0, u.result("evaluate", id, n)
}

func (u *useCases) EvaluateMany(_ context.Context, ids []string) ([]advance.Evaluation, error) {
	id := strings.Join(ids, ",")
	return nil, u.result("evaluate_many", id, u.record("evaluate_many", id, false))
}

func (u *useCases) ArchiveFromSlack(_ context.Context, r advance.ArchiveRequest, final bool) error {
	return u.result("archive", r.ExecutionID, u.record("archive", r.ExecutionID, final))
}

func (u *useCases) NotifyDecision(_ context.Context, id string, final bool) error {
	return u.result("notify", id, u.record("notify", id, final))
}

func (u *useCases) RefreshNotice(_ context.Context, id string, final bool) error {
	return u.result("refresh", id, u.record("refresh", id, final))
}

func (u *useCases) ActOnClick(_ context.Context, c advance.DecisionClick, final bool) error {
	return u.result("click", c.ExecutionID, u.record("click", c.Action+":"+c.ExecutionID, final))
}

// task returns a periodic task handler that records its runs as method.
func (u *useCases) task(name string) func(context.Context) error {
	return func(context.Context) error {
		u.record("task", name, false)
		return nil
	}
}

// handlers routes every kind of job to u.
func (u *useCases) handlers(tasks ...string) jobs.Handlers {
	h := jobs.Handlers{Intake: u, Evaluator: u, Notices: u, Tasks: map[string]func(context.Context) error{}}
	for _, name := range tasks {
		h.Tasks[name] = u.task(name)
	}
	return h
}

// made returns the calls of method, in order.
func (u *useCases) made(method string) []call {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []call
	for _, c := range u.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (u *useCases) String() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return fmt.Sprint(u.calls)
}

// kinds summarises jobs as sorted "kind args" strings, the args with
// their keys sorted (Postgres stores them as jsonb, which reorders them).
func kinds(list []*rivertype.JobRow) []string {
	var out []string
	for _, j := range list {
		out = append(out, j.Kind+" "+canonical(j.EncodedArgs))
	}
	sort.Strings(out)
	return out
}

func canonical(raw []byte) string {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// jobsOf lists every job of q.
func jobsOf(t *testing.T, q *jobs.Queue) []*rivertype.JobRow {
	t.Helper()
	list, err := q.AllJobs(context.Background())
	testkit.Must(t, err)
	return list
}

func describe(list []*rivertype.JobRow) string {
	var b strings.Builder
	for _, j := range list {
		fmt.Fprintf(&b, "[%s %s %s attempt %d] ", j.Kind, j.EncodedArgs, j.State, j.Attempt)
	}
	return b.String()
}
