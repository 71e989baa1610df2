package intake_test

import (
	"context"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// BenchmarkIngest measures ingestion of 100 schedule deliveries (one
// acknowledgement batch; each schedule one event, three interviewers, caches
// warm as in steady operation) on each store: "batch" is IngestBatch (the
// ingest_deliveries job: multi-row writes, one transaction per 100),
// "single" one IngestDelivery per delivery (the retry path). One op is the
// 100 deliveries; deliveries/s is reported.
func BenchmarkIngest(b *testing.B) {
	const n = 100
	for _, be := range testkit.Backends(b) {
		for _, mode := range []string{"batch", "single"} {
			b.Run(be.Name+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				st := testkit.NewStack(b, testkit.StackOptions{Backend: be, Queue: jobs.Options{InsertOnly: true}})
				sc := st.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: n})
				accept := func() []string {
					ids := make([]string, 0, n)
					for _, c := range sc.Candidates {
						body := st.Sim.ScheduleUpdateBody(c.ScheduleID)
						hook, err := ashby.ParseWebhook(body)
						testkit.Must(b, err)
						id, _, err := st.Services.Intake.AcceptWebhook(ctx, hook, body)
						testkit.Must(b, err)
						ids = append(ids, id)
					}
					return ids
				}
				testkit.Must(b, st.Services.Intake.IngestBatch(ctx, accept())) // warm the caches
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					ids := accept()
					b.StartTimer()
					if mode == "batch" {
						testkit.Must(b, st.Services.Intake.IngestBatch(ctx, ids))
						continue
					}
					for _, id := range ids {
						testkit.Must(b, st.Services.Intake.IngestDelivery(ctx, id, true))
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "deliveries/s")
			})
		}
	}
}
