// Command gen writes the JSON Schema of scenario files (schema.Generate) to the file its argument names; go
// generate ./scenarios/... runs it to write scenarios/scenario.schema.json.
package main

import (
	"fmt"
	"os"

	"github.com/otelbench/otelbench/scenarios/schema"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen FILE (the scenario schema to write)")
		os.Exit(2)
	}
	data, err := schema.Generate()
	if err == nil {
		err = os.WriteFile(os.Args[1], data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}
