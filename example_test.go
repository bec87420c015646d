package otelbench_test

import (
	"context"
	"fmt"

	"github.com/otelbench/otelbench"
	"github.com/otelbench/otelbench/scenarios"
)

// Run a scenario from Go: one second of traces through the SDK's console exporter, read back and verified. Run
// prints nothing of its own (Options.Logger takes what it has to say) and returns the report.
func ExampleRun() {
	sc, err := scenarios.Parse("example.yaml", []byte(`version: 1
name: example
duration: 1s
backends: [{name: stdout, type: console}]
exporters: [{name: console, protocol: console, backend: stdout, batch_timeout: 100ms}]
workloads: [{name: checkout, signal: traces, exporters: [console], rate: 100, trace: {spans: 2}}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := otelbench.Run(context.Background(), sc, otelbench.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range rep.Exporters {
		fmt.Printf("%s -> %s: %d of %d spans verified, passed: %v\n", row.Name, row.Backend, row.Verified, row.Sent, row.Passed)
	}
	// Output: console -> stdout: 100 of 100 spans verified, passed: true
}
