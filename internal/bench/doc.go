// Package bench measures aaa's performance figures (DESIGN.md, Performance
// targets): a closed-loop HTTP load generator, a lock-free latency
// histogram with percentiles, process RSS from /proc/self/status, signed
// webhook bodies with distinct webhookActionIds, and the result table
// (text or JSON) that `aaa bench` prints.
//
// It knows nothing of the server it loads: callers give it a request
// function and read back counts and latencies. RSS is read on Linux only
// (ReadRSS returns an error elsewhere). The load generator runs in the
// measured process, so its CPU and memory are part of what it measures.
package bench
