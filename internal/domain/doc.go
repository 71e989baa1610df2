// Package domain holds aaa's plain data types (schedules, feedback, rules,
// decisions) and its sentinel errors. It imports only the standard library;
// every other package depends on it and it depends on nothing of aaa's.
package domain
