package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/scenarios/schema"
)

// schemaFile is the shipped schema, scenarios/scenario.schema.json.
const schemaFile = "../scenario.schema.json"

// compile compiles the shipped schema, or the part of it ref points to (e.g. "#/$defs/Duration").
func compile(ref string) *jsonschema.Schema {
	GinkgoHelper()
	data, err := os.ReadFile(schemaFile)
	Expect(err).NotTo(HaveOccurred())
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	c := jsonschema.NewCompiler()
	Expect(c.AddResource("scenario.schema.json", doc)).To(Succeed())
	sch, err := c.Compile("scenario.schema.json" + ref)
	Expect(err).NotTo(HaveOccurred())
	return sch
}

// instance is a YAML document as the schema sees it: the values JSON has (what an editor's YAML language server
// checks).
func instance(doc []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	data, err := json.Marshal(jsonValues(v))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

// jsonValues turns mappings with keys that are not strings (1: x) into objects, as JSON has only string keys.
func jsonValues(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonValues(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = jsonValues(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = jsonValues(e)
		}
		return v
	}
	return v
}

// validate checks a YAML scenario against the schema.
func validate(sch *jsonschema.Schema, doc []byte) error {
	inst, err := instance(doc)
	if err != nil {
		return fmt.Errorf("read as JSON values: %w", err)
	}
	return sch.Validate(inst)
}

// refusedAt lists where (JSON pointers into the document) the schema's innermost complaints stand.
func refusedAt(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			ptr := ""
			for _, t := range e.InstanceLocation {
				ptr += "/" + t
			}
			out = append(out, ptr)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// minimal is the smallest valid scenario; the mistakes below are edits of it.
const minimal = `version: 1
name: minimal
seed: 7
duration: 10s
backends:
  - name: jaeger
    type: jaeger
exporters:
  - name: grpc
    protocol: otlp-grpc
    backend: jaeger
workloads:
  - name: checkout
    signal: traces
    exporters: [grpc]
    rate: 100
`

const minimalWorkloads = `workloads:
  - name: checkout
    signal: traces
    exporters: [grpc]
    rate: 100
`

const minimalBackends = `backends:
  - name: jaeger
    type: jaeger
`

var _ = Describe("The scenario schema", func() {
	It("is what the scenario types make of it now: the shipped file is not stale", func() {
		generated, err := schema.Generate()
		Expect(err).NotTo(HaveOccurred())
		shipped, err := os.ReadFile(schemaFile)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(shipped)).To(Equal(string(generated)),
			"scenarios/scenario.schema.json differs from what the scenario types make: run go generate ./scenarios/...")
		Expect(string(scenarios.JSONSchema)).To(Equal(string(shipped)), "the CLI prints the shipped file")
		Expect(string(shipped)).To(HavePrefix("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"))
		Expect(string(shipped)).To(HaveSuffix("}\n"))
	})

	It("keeps its generator out of package scenarios and out of the otelbench binary, which embed the file", func(ctx SpecContext) {
		out, err := exec.CommandContext(ctx, "go", "list", "-deps", "github.com/otelbench/otelbench/scenarios",
			"github.com/otelbench/otelbench/cmd/otelbench").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(string(out)).To(ContainSubstring("github.com/otelbench/otelbench/scenarios\n"))
		Expect(string(out)).NotTo(ContainSubstring("jsonschema"))
		Expect(string(out)).NotTo(ContainSubstring("github.com/otelbench/otelbench/scenarios/schema"))
	})

	It("is made the same way every time", func() {
		first, err := schema.Generate()
		Expect(err).NotTo(HaveOccurred())
		second, err := schema.Generate()
		Expect(err).NotTo(HaveOccurred())
		Expect(second).To(Equal(first))
	})

	It("describes every key and every type, from the Go doc comments", func() {
		var doc map[string]any
		Expect(json.Unmarshal(scenarios.JSONSchema, &doc)).To(Succeed())
		var undescribed []string
		check := func(where string, s map[string]any) {
			if d, _ := s["description"].(string); strings.TrimSpace(d) == "" {
				undescribed = append(undescribed, where)
			}
			props, _ := s["properties"].(map[string]any)
			for key, p := range props {
				if d, _ := p.(map[string]any)["description"].(string); strings.TrimSpace(d) == "" {
					undescribed = append(undescribed, where+"."+key)
				}
			}
		}
		check("Scenario", doc)
		defs, _ := doc["$defs"].(map[string]any)
		Expect(defs).To(HaveKey("Exporter"))
		for name, d := range defs {
			check(name, d.(map[string]any))
		}
		Expect(undescribed).To(BeEmpty(), "a key without a doc comment on its field: add one (then go generate ./scenarios/...)")
		Expect(doc["properties"]).To(HaveKeyWithValue("duration", HaveKeyWithValue("description", "Duration is how long each workload without stages sends.")))
	})

	It("accepts every shipped scenario: under scenarios/ (its folders and testdata included) and those the loader takes", func() {
		sch := compile("")
		var files []string
		Expect(filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(path) == ".yaml" {
				files = append(files, path)
			}
			return err
		})).To(Succeed())
		// A YAML file under scenarios/ is a scenario, or a collector configuration a scenario names (config:).
		loaded, configs := map[string]error{}, map[string]bool{}
		for _, f := range files {
			sc, err := scenarios.Load(f)
			loaded[f] = err
			if err == nil {
				for i := range sc.Backends {
					if p := sc.ConfigPath(&sc.Backends[i]); p != "" {
						configs[filepath.Clean(p)] = true
					}
				}
			}
		}
		Expect(configs).To(HaveKey(filepath.Join("..", "collector", "deltatocumulative.yaml")))
		var checked, refused []string
		for _, f := range files {
			if _, ok := misshapen[f]; ok || configs[f] || wellShaped[f] {
				continue
			}
			Expect(loaded[f]).NotTo(HaveOccurred(), "%s is neither a scenario the loader takes nor a collector configuration a scenario names", f)
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			if err := validate(sch, data); err != nil {
				refused = append(refused, f+": "+err.Error())
			}
			checked = append(checked, f)
		}
		Expect(refused).To(BeEmpty())
		Expect(checked).To(ContainElements(filepath.Join("..", "smoke.yaml"), filepath.Join("..", "sweeps", "collector.yaml"),
			filepath.Join("..", "flask-sampled.yaml"), filepath.Join("..", "testdata", "ramp.yaml")))
		Expect(len(checked)).To(BeNumerically(">=", 19))
	})

	It("refuses testdata's misshapen scenarios, as the loader does, and takes those only validation's rules refuse", func() {
		sch := compile("")
		for f, at := range misshapen {
			_, err := scenarios.Load(f)
			Expect(err).To(HaveOccurred(), f)
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			err = validate(sch, data)
			Expect(err).To(HaveOccurred(), f)
			Expect(refusedAt(err)).To(ContainElement(at), f)
		}
		for f := range wellShaped {
			_, err := scenarios.Load(f)
			Expect(err).To(HaveOccurred(), f)
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(validate(sch, data)).To(Succeed(), f)
		}
	})

	It("accepts the full scenarios of the README and docs/, the editor support's example included", func() {
		sch := compile("")
		pages, err := filepath.Glob("../../docs/*.md")
		Expect(err).NotTo(HaveOccurred())
		pages = append(pages, "../../README.md")
		block := regexp.MustCompile("(?ms)^```yaml\n((?:#[^\n]*\n)*version:.*?)^```") // comment lines (a modeline) first, or not
		var checked, refused []string
		for _, page := range pages {
			data, err := os.ReadFile(page)
			Expect(err).NotTo(HaveOccurred())
			for i, m := range block.FindAllSubmatch(data, -1) {
				where := fmt.Sprintf("%s, scenario %d", page, i+1)
				if err := validate(sch, m[1]); err != nil {
					refused = append(refused, where+": "+err.Error())
				}
				checked = append(checked, where)
			}
		}
		Expect(refused).To(BeEmpty())
		Expect(checked).To(ContainElements("../../README.md, scenario 1", "../../docs/scenarios.md, scenario 1", "../../docs/scenarios.md, scenario 2"))
	})

	It("accepts the minimal scenario the mistakes below are made in, as the loader does", func() {
		_, err := scenarios.Parse("minimal.yaml", []byte(minimal))
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(compile(""), []byte(minimal))).To(Succeed())
	})

	DescribeTable("refuses a structural mistake the loader refuses, where it stands",
		func(old, replacement, loaderSays, at string) {
			Expect(minimal).To(ContainSubstring(old))
			doc := strings.Replace(minimal, old, replacement, 1)
			_, err := scenarios.Parse("mistake.yaml", []byte(doc))
			Expect(err).To(MatchError(ContainSubstring(loaderSays)), "the loader")
			err = validate(compile(""), []byte(doc))
			Expect(err).To(HaveOccurred(), "the schema")
			Expect(refusedAt(err)).To(ContainElement(at), "the schema: %v", err)
		},
		Entry("an unknown key at the top level", "seed: 7\n", "seed: 7\nseeds: 8\n", `unknown key "seeds" in the scenario`, ""),
		Entry("an unknown key in a backend", "    type: jaeger\n", "    type: jaeger\n    imag: jaeger:2\n", `unknown key "imag" in backends[0]`, "/backends/0"),
		Entry("an unknown key in an exporter", "    backend: jaeger\n", "    backend: jaeger\n    batch_sise: 256\n", `unknown key "batch_sise" in exporters[0]`, "/exporters/0"),
		Entry("an unknown key in a workload's trace", "    rate: 100\n", "    rate: 100\n    trace: {spans: 5, dept: 3}\n", `unknown key "dept" in workloads[0].trace`, "/workloads/0/trace"),
		Entry("an unknown key in an exporter's retry", "    backend: jaeger\n", "    backend: jaeger\n    retry: {enabled: true, max_retries: 3}\n", `unknown key "max_retries" in exporters[0].retry`, "/exporters/0/retry"),
		Entry("an unknown key in verify", "seed: 7\n", "seed: 7\nverify: {timeout: 30s, tolerance: 0.1}\n", `unknown key "tolerance" in verify`, "/verify"),
		Entry("a string where a whole number goes", "    backend: jaeger\n", "    backend: jaeger\n    batch_size: \"512\"\n", "exporters[0].batch_size: expected a whole number", "/exporters/0/batch_size"),
		Entry("a fraction where a whole number goes", "seed: 7\n", "seed: 7.5\n", "seed: expected a whole number", "/seed"),
		Entry("text where a number goes", "    rate: 100\n", "    rate: fast\n", `workloads[0].rate: expected a number, got "fast"`, "/workloads/0/rate"),
		Entry("a number where a string goes", "name: minimal\n", "name: 42\n", "name: expected a string", "/name"),
		Entry("a boolean where a string goes", "    type: jaeger\n", "    type: true\n", "backends[0].type: expected a string", "/backends/0/type"),
		Entry("a list where a mapping goes", "seed: 7\n", "seed: 7\nverify: [30s]\n", "verify: expected a mapping (key: value lines), got a list", "/verify"),
		Entry("a mapping where a list goes", "    exporters: [grpc]\n", "    exporters: {grpc: true}\n", "workloads[0].exporters: expected a list, got a mapping", "/workloads/0/exporters"),
		Entry("one value where a list goes", "    exporters: [grpc]\n", "    exporters: grpc\n", `workloads[0].exporters: expected a list, got "grpc"`, "/workloads/0/exporters"),
		Entry("a number where a duration goes", "duration: 10s\n", "duration: 10\n", `duration: expected a duration such as 30s or 1m30s, got "10"`, "/duration"),
		Entry("text that is no duration", "duration: 10s\n", "duration: ten seconds\n", `duration: expected a duration such as 30s or 1m30s, got "ten seconds"`, "/duration"),
		Entry("a mapping where a duration goes", "    rate: 100\n", "    rate: 100\n    stages: [{duration: {seconds: 10}, target: 200}]\n", "workloads[0].stages[0].duration: expected a duration", "/workloads/0/stages/0/duration"),
		Entry("a mapping where a sweep's axis value goes", "seed: 7\n", "seed: 7\nsweep: {exporter: grpc, axes: {batch_size: [{size: 512}]}}\n", "sweep.axes.batch_size[0]: expected a value, got a mapping", "/sweep/axes/batch_size/0"),
		Entry("a header value that is a number", "    type: jaeger\n", "    type: jaeger\n    external: {url: \"http://127.0.0.1:16686\", otlp_grpc: \"127.0.0.1:4317\", headers: {x-tenant: 7}}\n",
			"backends[0].external.headers.x-tenant: expected a string", "/backends/0/external/headers/x-tenant"),
		Entry("no version", "version: 1\n", "", "missing key version", ""),
		Entry("another version", "version: 1\n", "version: 2\n", "version 2 is not supported", "/version"),
		Entry("no name", "name: minimal\n", "", "mistake.yaml:1:1: missing name", ""),
		Entry("no backends", minimalBackends, "", "no backends", ""),
		Entry("no workloads", minimalWorkloads, "", "no workloads", ""),
		Entry("an empty list of workloads", minimalWorkloads, "workloads: []\n", "no workloads", "/workloads"),
		Entry("a backend without a type", "    type: jaeger\n", "", "missing backend type", "/backends/0"),
		Entry("an exporter without a protocol", "    protocol: otlp-grpc\n", "", "missing protocol", "/exporters/0"),
		Entry("an exporter without a backend", "    backend: jaeger\n", "", `exporter "grpc" sends to backend "", which is not defined`, "/exporters/0"),
		Entry("a workload without a name", "  - name: checkout\n    signal", "  - signal", "mistake.yaml:13:5: missing name", "/workloads/0"),
		Entry("a stage without a duration", "    rate: 100\n", "    rate: 100\n    stages: [{target: 200}]\n", "a stage needs a positive duration", "/workloads/0/stages/0"),
		Entry("a fault without at", "seed: 7\n", "seed: 7\nfaults: [{action: pause, backend: jaeger}]\n", "missing at", "/faults/0"),
		Entry("a threshold without expr", "seed: 7\n", "seed: 7\nthresholds: [{exporters: [grpc]}]\n", "a threshold without expr", "/thresholds/0"),
		Entry("a signal that is not one", "    signal: traces\n", "    signal: spans\n", `signal "spans" is not supported`, "/workloads/0/signal"),
		Entry("a setting no sweep can vary", "seed: 7\n", "seed: 7\nsweep: {exporter: grpc, axes: {batch_sise: [1, 2]}}\n", "batch_sise is not a setting a sweep can vary", "/sweep/axes"),
	)

	DescribeTable("takes as a duration exactly what time.ParseDuration takes, as the decoder does",
		func(s string) {
			_, parseErr := time.ParseDuration(s)
			err := compile("#/$defs/Duration").Validate(s)
			if parseErr == nil {
				Expect(err).NotTo(HaveOccurred())
			} else {
				Expect(err).To(HaveOccurred(), "time.ParseDuration: %v", parseErr)
			}
		},
		Entry(nil, "30s"), Entry(nil, "1m30s"), Entry(nil, "1.5h"), Entry(nil, ".5s"), Entry(nil, "5.s"), Entry(nil, "300ms"),
		Entry(nil, "2us"), Entry(nil, "2µs"), Entry(nil, "2μs"), Entry(nil, "10ns"), Entry(nil, "1h2m3s4ms5us6ns"),
		Entry(nil, "0"), Entry(nil, "-0"), Entry(nil, "+5s"), Entry(nil, "-1s"), Entry(nil, "00s"),
		Entry(nil, ""), Entry(nil, "10"), Entry(nil, "00"), Entry(nil, "0.0"), Entry(nil, "s"), Entry(nil, ".s"), Entry(nil, "10 s"),
		Entry(nil, "10S"), Entry(nil, "1d"), Entry(nil, "1..5s"), Entry(nil, "soon"), Entry(nil, "5s "), Entry(nil, " 5s"), Entry(nil, "--5s"),
		Entry(nil, "5s5"), Entry(nil, "1e3s"),
	)

	It("takes the number 0 as a duration, as the decoder does, and no other number", func() {
		sch := compile("#/$defs/Duration")
		inst, err := instance([]byte("0"))
		Expect(err).NotTo(HaveOccurred())
		Expect(sch.Validate(inst)).To(Succeed())
		inst, err = instance([]byte("10"))
		Expect(err).NotTo(HaveOccurred())
		Expect(sch.Validate(inst)).NotTo(Succeed())
	})
})

// Testdata's scenarios that the loader refuses on purpose: misshapen, which the schema refuses too (with where),
// and well-shaped, which only validation's other rules (references, ranges, states) refuse.
var (
	misshapen  = map[string]string{filepath.Join("..", "testdata", "unknown-key.yaml"): "/exporters/0"}
	wellShaped = map[string]bool{filepath.Join("..", "testdata", "faults-mixed.yaml"): true}
)
