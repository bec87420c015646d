package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/otelbench/otelbench/scenarios"
)

// newSchemaCmd is `otelbench schema`: it prints the JSON Schema of scenario files (scenarios.JSONSchema, the
// shipped scenarios/scenario.schema.json) for editors, which check a scenario against it as it is typed.
func newSchemaCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "print the JSON Schema of scenario files, for editors (docs/scenarios.md, \"Editor support\")",
		Long: `schema prints the JSON Schema (draft 2020-12) of scenario files. Save it, and point a scenario at it with a
modeline that YAML language servers (VS Code's YAML extension, and others) read:

  otelbench schema > otelbench.schema.json
  # yaml-language-server: $schema=otelbench.schema.json     (the first line of a scenario file)

It checks keys, types and required keys as you type; otelbench validate checks everything.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if _, err := stdout.Write(scenarios.JSONSchema); err != nil {
				return fmt.Errorf("write schema: %w", err)
			}
			return nil
		},
	}
}
