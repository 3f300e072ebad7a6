// Command submitter puts a batch of jobs into a WhatsNext project from Go and
// waits for them: chains of dependent jobs, some failing once and retried,
// some failing for good (their dependents end BLOCKED). It prints the final
// counts as one JSON line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	whatsnextv1 "whatsnext.dev/gen/go/whatsnext/v1"
)

const chainLength = 5

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "the server's host:port (plaintext gRPC)")
	project := flag.String("project", "go-example", "the project, by name (created when missing)")
	count := flag.Int("jobs", 500, "jobs to submit, in chains of 5")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long to wait for the jobs")
	flag.Parse()

	conn, err := grpc.Dial(*addr, grpc.WithInsecure())
	if err != nil {
		log.Fatalf("dial %s: %v", *addr, err)
	}
	defer conn.Close()
	projects := whatsnextv1.NewProjectServiceClient(conn)
	tasks := whatsnextv1.NewTaskServiceClient(conn)
	jobs := whatsnextv1.NewJobServiceClient(conn)
	ctx := context.Background()

	// A project that exists already is fine: the ErrorInfo reason says so
	// without parsing the message.
	if _, err := projects.CreateProject(ctx, &whatsnextv1.CreateProjectRequest{Name: *project}); err != nil && reason(err) != "PROJECT_ALREADY_EXISTS" {
		fatal("CreateProject", err)
	}
	// Every request that names a project takes project_id or project_name.
	if _, err := tasks.CreateTask(ctx, &whatsnextv1.CreateTaskRequest{ProjectName: *project, Name: "step", CommandTemplate: "step {chain} {link}"}); err != nil && reason(err) != "TASK_ALREADY_EXISTS" {
		fatal("CreateTask", err)
	}

	// A wrong field is InvalidArgument with a BadRequest naming it.
	_, err = jobs.CreateJob(ctx, &whatsnextv1.CreateJobRequest{ProjectName: *project, Task: &whatsnextv1.CreateJobRequest_TaskName{TaskName: "step"}, MaxAttempts: 1000})
	if field := badField(err); status.Code(err) != codes.InvalidArgument || field != "max_attempts" {
		log.Fatalf("CreateJob with max_attempts 1000: expected InvalidArgument on max_attempts, got %v (field %q)", err, field)
	}

	specs := make([]*whatsnextv1.BatchJobSpec, 0, *count)
	for i := 0; i < *count; i++ {
		chain, link := i/chainLength, i%chainLength
		failAttempts, maxAttempts := 0, 1
		if link == 0 && chain%10 == 3 {
			failAttempts, maxAttempts = 1, 3 // fails once, then succeeds on its retry
		}
		if link == 0 && chain%20 == 7 {
			failAttempts, maxAttempts = 99, 2 // fails both attempts: the chain's rest is BLOCKED
		}
		params, err := structpb.NewStruct(map[string]interface{}{"chain": chain, "link": link, "fail_attempts": failAttempts})
		if err != nil {
			log.Fatal(err)
		}
		spec := &whatsnextv1.BatchJobSpec{
			Task:        &whatsnextv1.BatchJobSpec_TaskName{TaskName: "step"},
			Name:        fmt.Sprintf("chain-%d-%d", chain, link),
			Parameters:  params,
			MaxAttempts: int32(maxAttempts),
		}
		if link > 0 {
			spec.DependsOnNames = []string{fmt.Sprintf("chain-%d-%d", chain, link-1)}
		}
		specs = append(specs, spec)
	}
	created, err := jobs.BatchCreateJobs(ctx, &whatsnextv1.BatchCreateJobsRequest{ProjectName: *project, Jobs: specs})
	if err != nil {
		fatal("BatchCreateJobs", err)
	}
	fmt.Fprintf(os.Stderr, "submitted %d jobs\n", len(created.GetJobIds()))

	deadline := time.Now().Add(*timeout)
	for {
		stats, err := jobs.GetQueueStats(ctx, &whatsnextv1.GetQueueStatsRequest{ProjectName: *project})
		if err != nil {
			fatal("GetQueueStats", err)
		}
		if stats.GetPending()+stats.GetQueued()+stats.GetRunning() == 0 {
			out, _ := json.Marshal(map[string]int64{
				"completed": stats.GetCompleted(),
				"failed":    stats.GetFailed(),
				"blocked":   stats.GetBlocked(),
				"cancelled": stats.GetCancelled(),
			})
			fmt.Println(string(out))
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("jobs not done after %v: %v", *timeout, stats)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// reason is the ErrorInfo reason of a gRPC error, or "".
func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// badField is the first field a BadRequest detail names, or "".
func badField(err error) string {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

func fatal(call string, err error) {
	if err == nil {
		err = errors.New("no error")
	}
	st := status.Convert(err)
	log.Fatalf("%s: %v: %s (reason %q)", call, st.Code(), st.Message(), reason(err))
}
