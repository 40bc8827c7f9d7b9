// An MCP server on the Go SDK (github.com/modelcontextprotocol/go-sdk), as a user would write it.
//
//	mcp-go-upstream MODE   (MODE: sse | json | stateless)
//
// Listens on a free 127.0.0.1 port and prints `LISTENING <port>` on stderr. The tools, resources,
// prompt and completions are those of hack/upstreams/python/server.py (minus `poll`: this SDK's
// server has no way to close a call's stream for polling), plus resource subscriptions and a tool
// `touch {uri}` that notifies the sessions subscribed to uri (notifications/resources/updated).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type textIn struct {
	Text string `json:"text"`
}
type addIn struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}
type sumOut struct {
	Sum float64 `json:"sum"`
}
type stepsIn struct {
	Steps int `json:"steps"`
}
type tagIn struct {
	Tag string `json:"tag,omitempty"`
}
type uriIn struct {
	URI string `json:"uri"`
}
type none struct{}
type tagsOut struct {
	Result []string `json:"result"`
}

// What completion/complete offers per argument name (greet's name, test://items/{id}'s id), by prefix.
var completions = map[string][]string{"name": {"Ada", "Alan", "Grace"}, "id": {"7", "17", "42"}}

func complete(_ context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	values := []string{}
	for _, v := range completions[req.Params.Argument.Name] {
		if strings.HasPrefix(v, req.Params.Argument.Value) {
			values = append(values, v)
		}
	}
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: values}}, nil
}

var (
	mu        sync.Mutex
	cancelled = []string{}
)

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func newServer(mode string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "go-sdk-" + mode, Version: "1.0.0"}, &mcp.ServerOptions{
		Instructions:       "A test server on the Go SDK.",
		CompletionHandler:  complete,
		SubscribeHandler:   func(context.Context, *mcp.SubscribeRequest) error { return nil },
		UnsubscribeHandler: func(context.Context, *mcp.UnsubscribeRequest) error { return nil },
	})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echoes text."}, func(_ context.Context, _ *mcp.CallToolRequest, in textIn) (*mcp.CallToolResult, any, error) {
		return text(in.Text), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Adds two numbers, with structured output."}, func(_ context.Context, _ *mcp.CallToolRequest, in addIn) (*mcp.CallToolResult, sumOut, error) {
		return nil, sumOut{Sum: in.A + in.B}, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "fail_tool", Description: "Answers an isError result."}, func(_ context.Context, _ *mcp.CallToolRequest, _ none) (*mcp.CallToolResult, any, error) {
		return nil, nil, errors.New("tool failed as asked")
	})
	mcp.AddTool(s, &mcp.Tool{Name: "progress", Description: "Reports progress steps."}, func(ctx context.Context, req *mcp.CallToolRequest, in stepsIn) (*mcp.CallToolResult, any, error) {
		token := req.Params.GetProgressToken()
		for i := 1; i <= in.Steps; i++ {
			if token != nil {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(i), Total: float64(in.Steps), Message: fmt.Sprintf("step %d", i)})
			}
		}
		return text(fmt.Sprintf("done in %d steps", in.Steps)), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "log", Description: "Logs a line, then answers."}, func(ctx context.Context, req *mcp.CallToolRequest, in textIn) (*mcp.CallToolResult, any, error) {
		_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Logger: "go", Data: in.Text})
		return text("logged"), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "wait_for_cancel", Description: "Waits until cancelled."}, func(ctx context.Context, _ *mcp.CallToolRequest, in tagIn) (*mcp.CallToolResult, any, error) {
		<-ctx.Done()
		mu.Lock()
		cancelled = append(cancelled, in.Tag)
		mu.Unlock()
		return nil, nil, ctx.Err()
	})
	mcp.AddTool(s, &mcp.Tool{Name: "cancelled", Description: "The tags of wait_for_cancel calls this server saw cancelled."}, func(_ context.Context, _ *mcp.CallToolRequest, _ none) (*mcp.CallToolResult, tagsOut, error) {
		mu.Lock()
		defer mu.Unlock()
		return nil, tagsOut{Result: append([]string{}, cancelled...)}, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "touch", Description: "Notifies the sessions subscribed to uri that it changed."}, func(ctx context.Context, _ *mcp.CallToolRequest, in uriIn) (*mcp.CallToolResult, any, error) {
		if err := s.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: in.URI}); err != nil {
			return nil, nil, err
		}
		return text("touched " + in.URI), nil, nil
	})
	s.AddResource(&mcp.Resource{URI: "test://static", Name: "static_resource", MIMEType: "text/plain"}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: "static resource text"}}}, nil
	})
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "test://items/{id}", Name: "item", MIMEType: "text/plain"}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		id := strings.TrimPrefix(req.Params.URI, "test://items/")
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: "item " + id}}}, nil
	})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "Greets someone.", Arguments: []*mcp.PromptArgument{{Name: "name", Required: true}}}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "Hello, " + req.Params.Arguments["name"] + "!"}}}}, nil
	})
	return s
}

func main() {
	mode := "sse"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	server := newServer(mode)
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		JSONResponse: mode == "json",
		Stateless:    mode == "stateless",
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	mux.Handle("/mcp", handler)
	fmt.Fprintln(os.Stderr, http.Serve(ln, mux))
	os.Exit(1)
}
