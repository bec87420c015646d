// Package schema generates the JSON Schema of scenario files from the types of package scenarios: keys from their
// yaml tags, descriptions from their doc comments, and what the decoder and validation refuse of every scenario
// structurally (unknown keys, wrong types, the keys always required, empty lists, closed vocabularies).
//
// It is a package of its own so that the generator (github.com/invopop/jsonschema, which reflects the types and
// parses their Go source) stays out of package scenarios and out of the otelbench binary: go generate writes the
// result to scenarios/scenario.schema.json, which package scenarios embeds (scenarios.JSONSchema) and the CLI
// prints (otelbench schema). This package's spec fails when the file is stale.
package schema

//go:generate go run ./gen ../scenario.schema.json

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/otelbench/otelbench/scenarios"
)

// durationPattern is what time.ParseDuration accepts, which is how the decoder reads a scenarios.Duration:
// a sign, then "0" alone or numbers each with a unit (ns, us, µs, μs, ms, s, m, h), as in 30s, 1m30s, 1.5h.
const durationPattern = `^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

var (
	durationType = reflect.TypeFor[scenarios.Duration]()
	valueType    = reflect.TypeFor[scenarios.Value]()
	scenarioType = reflect.TypeFor[scenarios.Scenario]()
)

// required lists, by type, the keys validation refuses a scenario without, whatever else the file holds. A key
// that has a default, or that is needed only in some cases (exporters, which a scenario whose workloads all drive
// apps does without; duration, which workloads with stages do without; a workload's signal and exporters, or app
// and requests), is not listed: the schema would refuse files the loader takes.
var required = map[string][]string{
	"Scenario":         {"version", "name", "backends", "workloads"},
	"Backend":          {"name", "type"},
	"BackendSampling":  {"ratio"},
	"Exporter":         {"name", "protocol", "backend"},
	"Workload":         {"name"},
	"WorkloadSampling": {"ratio"},
	"Stage":            {"duration"},
	"Threshold":        {"expr"},
	"Fault":            {"action", "backend", "at"},
	"Sweep":            {"exporter", "axes"},
	"App":              {"name"},
	"AppSignal":        {"backend"},
	"AppMetrics":       {"backend"},
	"Request":          {"path"},
}

// nonEmpty lists, by type, the keys whose value validation refuses empty ([] or {}) in every scenario.
var nonEmpty = map[string][]string{
	"Scenario":     {"backends", "workloads"},
	"Backend":      {"external"},
	"Workload":     {"exporters", "stages", "requests"},
	"MetricsShape": {"instruments"},
	"Sweep":        {"axes"},
}

// vocabulary is a closed set of values, from the package that defines it, that validation accepts and nothing
// else whenever the key is written ("" included). Sets with a default that an explicit "" also selects (a sweep's
// objective and test, an app's sampler, rule and protocol, a request's method) are not listed, nor backend types,
// which are the kinds a program registers.
type vocabulary struct {
	typ, key string
	values   []string
}

func vocabularies() []vocabulary {
	return []vocabulary{
		{"Exporter", "protocol", scenarios.Protocols},
		{"Exporter", "compression", scenarios.Compressions},
		{"Exporter", "temporality", scenarios.Temporalities},
		{"Exporter", "pipeline", scenarios.Pipelines},
		{"Workload", "signal", scenarios.Signals},
		{"MetricsShape", "instruments", scenarios.Instruments},
		{"LogShape", "severity", scenarios.Severities},
		{"Fault", "action", scenarios.FaultActions},
		{"BackendSampling", "mode", scenarios.SamplingModes},
	}
}

// Generate reflects scenarios.Scenario into a JSON Schema (draft 2020-12), indented, with a trailing newline. It
// reads the doc comments of package scenarios from its source, so it runs in a checkout (go generate, go test).
func Generate() ([]byte, error) {
	comments, err := docComments()
	if err != nil {
		return nil, err
	}
	r := &jsonschema.Reflector{
		FieldNameTag: "yaml",
		// Nothing is required by the tags (the scenario types carry none); constrain adds what is.
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true, // the root is the scenario itself, not a $ref to it
		Anonymous:                  true, // no $id: the file is used where it is saved
		Mapper:                     mapType,
		CommentMap:                 comments,
	}
	s := r.ReflectFromType(scenarioType)
	if err := constrain(s, comments); err != nil {
		return nil, fmt.Errorf("generate scenario schema: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("generate scenario schema: %w", err)
	}
	return append(unescapeHTML(data), '\n'), nil
}

// mapType gives the decoder's own types a reference to their definitions (added by constrain); a fresh schema
// each time, since the reflector writes each field's description into the schema it gets.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case durationType, valueType:
		return &jsonschema.Schema{Ref: "#/$defs/" + t.Name()}
	}
	return nil
}

// constrain adds to the reflected schema what reflection cannot know: the decoder's types, and what validation
// refuses structurally.
func constrain(s *jsonschema.Schema, comments map[string]string) error {
	s.Definitions[durationType.Name()] = &jsonschema.Schema{
		Description: comments[durationType.PkgPath()+"."+durationType.Name()] +
			` The decoder takes any value time.ParseDuration takes: "0", or numbers with units (ns, us, ms, s, m, h).`,
		AnyOf: []*jsonschema.Schema{
			{Type: "string", Pattern: durationPattern},
			{Type: "integer", Const: 0}, // a YAML 0, which time.ParseDuration takes as written
		},
	}
	s.Definitions[valueType.Name()] = &jsonschema.Schema{
		Description: comments[valueType.PkgPath()+"."+valueType.Name()],
		AnyOf:       []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}},
	}
	object := func(typ string) (*jsonschema.Schema, error) {
		if typ == scenarioType.Name() {
			return s, nil
		}
		if d := s.Definitions[typ]; d != nil && d.Properties != nil {
			return d, nil
		}
		return nil, fmt.Errorf("no type %s among the scenario types", typ)
	}
	property := func(typ, key string) (*jsonschema.Schema, error) {
		o, err := object(typ)
		if err != nil {
			return nil, err
		}
		if p, ok := o.Properties.Get(key); ok {
			return p, nil
		}
		return nil, fmt.Errorf("no key %s in %s", key, typ)
	}

	version, err := property("Scenario", "version")
	if err != nil {
		return err
	}
	version.Enum = []any{scenarios.Version}
	for _, typ := range slices.Sorted(maps.Keys(required)) {
		o, err := object(typ)
		if err != nil {
			return err
		}
		for _, key := range required[typ] {
			if _, err := property(typ, key); err != nil {
				return err
			}
		}
		o.Required = required[typ]
	}
	one := uint64(1)
	for _, typ := range slices.Sorted(maps.Keys(nonEmpty)) {
		for _, key := range nonEmpty[typ] {
			p, err := property(typ, key)
			if err != nil {
				return err
			}
			target := p
			if p.Ref != "" {
				target = s.Definitions[strings.TrimPrefix(p.Ref, "#/$defs/")]
			}
			switch target.Type {
			case "array":
				p.MinItems = &one
			case "object":
				p.MinProperties = &one
			default:
				return fmt.Errorf("%s.%s is neither a list nor a mapping", typ, key)
			}
		}
	}
	for _, v := range vocabularies() {
		p, err := property(v.typ, v.key)
		if err != nil {
			return err
		}
		if p.Type == "array" {
			p = p.Items
		}
		if p.Type != "string" {
			return fmt.Errorf("%s.%s: a vocabulary of strings for a %s", v.typ, v.key, p.Type)
		}
		for _, val := range v.values {
			p.Enum = append(p.Enum, val)
		}
	}
	// A sweep's axes are a mapping of settings, each to a list of values: keys of their own, for editors to offer,
	// and no others.
	axes, err := property("Sweep", "axes")
	if err != nil {
		return err
	}
	values := axes.AdditionalProperties
	axes.Properties = jsonschema.NewProperties()
	for _, a := range scenarios.SweepAxes {
		axis := *values
		axis.MinItems = &one // "axis batch_size has no values"
		axis.Description = fmt.Sprintf("The values of the swept exporter's %s, one configuration (at least) each.", a)
		axes.Properties.Set(a, &axis)
	}
	axes.AdditionalProperties = jsonschema.FalseSchema
	for _, d := range s.Definitions {
		mapKeys(d)
	}
	mapKeys(s)
	return nil
}

// mapKeys requires a name as every key of the mappings of strings under s (headers, env) that says nothing else of
// its keys, as the decoder does.
func mapKeys(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Type == "object" && s.Properties == nil && s.PropertyNames == nil && s.AdditionalProperties != nil {
		one := uint64(1)
		s.PropertyNames = &jsonschema.Schema{MinLength: &one}
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			mapKeys(p.Value)
		}
	}
	mapKeys(s.Items)
}

// docComments are the doc comments of package scenarios' types and fields, each paragraph on one line, keyed as
// the reflector looks them up ("<import path>.Type", "<import path>.Type.Field"). AddGoComments names a package by
// joining its first argument with the folder it walked; walking the absolute folder of the source from base ""
// names it by that folder, renamed here to the import path, so that Generate does not depend on the working
// directory.
func docComments() (map[string]string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("read scenario types' comments: no source path for package schema")
	}
	dir := filepath.Dir(filepath.Dir(self))
	if _, err := os.Stat(filepath.Join(dir, "scenario.go")); err != nil {
		return nil, fmt.Errorf("read scenario types' comments: their source is not at %s (run from a checkout): %w", dir, err)
	}
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments("", dir); err != nil {
		return nil, fmt.Errorf("read scenario types' comments: %w", err)
	}
	prefix := path.Clean(filepath.ToSlash(dir)) + "."
	out := map[string]string{}
	for k, v := range r.CommentMap {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[scenarioType.PkgPath()+"."+rest] = unwrap(v)
		}
	}
	return out, nil
}

// unwrap joins the lines of each paragraph of a comment, which editors would otherwise show as they are wrapped
// in the source.
func unwrap(comment string) string {
	paragraphs := strings.Split(comment, "\n\n")
	for i, p := range paragraphs {
		paragraphs[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paragraphs, "\n\n")
}

// unescapeHTML undoes encoding/json's escaping of <, > and & (the reflector's schemas marshal themselves with
// json.Marshal), which descriptions such as "p99(export_latency) < 50ms" read better without.
func unescapeHTML(data []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 == len(data) {
			out.WriteByte(data[i])
			continue
		}
		if data[i+1] == 'u' && i+6 <= len(data) {
			switch string(data[i+2 : i+6]) {
			case "003c":
				out.WriteByte('<')
				i += 5
				continue
			case "003e":
				out.WriteByte('>')
				i += 5
				continue
			case "0026":
				out.WriteByte('&')
				i += 5
				continue
			}
		}
		out.Write(data[i : i+2]) // any other escape, \\ included, as it is
		i++
	}
	return out.Bytes()
}
