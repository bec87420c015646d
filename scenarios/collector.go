package scenarios

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// readCollectorConfig reads the collector configuration file at path (a Backend's Config): it must be a YAML
// mapping, as the collector's own --config files are.
func readCollectorConfig(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read collector config: %w", err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("collector config %s is not valid YAML: %w", path, err)
	}
	if cfg == nil {
		return nil, fmt.Errorf("collector config %s is empty", path)
	}
	return cfg, nil
}

// collectorConvertsDelta reports whether the collector configuration file at path puts a deltatocumulative
// processor in a metrics pipeline ("" or an unreadable file: no). The file is merged over otelbench's own
// configuration, where no pipeline has one.
func collectorConvertsDelta(path string) bool {
	if path == "" {
		return false
	}
	cfg, err := readCollectorConfig(path)
	if err != nil {
		return false
	}
	service, _ := cfg["service"].(map[string]any)
	pipelines, _ := service["pipelines"].(map[string]any)
	for name, pl := range pipelines {
		if name != "metrics" && !strings.HasPrefix(name, "metrics/") {
			continue
		}
		m, _ := pl.(map[string]any)
		procs, _ := m["processors"].([]any)
		for _, p := range procs {
			if s, _ := p.(string); s == "deltatocumulative" || strings.HasPrefix(s, "deltatocumulative/") {
				return true
			}
		}
	}
	return false
}
