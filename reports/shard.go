package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Shard says which part of a sharded run a report is (otelbench run --shard): shard Index of Count, which sent
// the stripe of every workload's schedule whose slots k have k mod Count == Index.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Seed and ScenarioHash (sha256 of the scenario file, hex) must be the same in every shard of a run.
	Seed         int64  `json:"seed"`
	ScenarioHash string `json:"scenario_hash"`
	// Version is otelbench's (its VCS revision), for humans: shards of two versions are merged, and said so.
	Version string `json:"version,omitempty"`
	// StartAt is the start the shards agreed on (--start-at; zero without one); Start is when this shard began
	// sending, SkewMs how long after StartAt that was; End is when its report was complete.
	StartAt time.Time `json:"start_at,omitzero"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	SkewMs  float64   `json:"skew_ms"`
}

// String is "1/3".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Merged, in a report otelbench merge wrote, says it is one: every shard merged, with its own figures, and those
// missing (--allow-partial).
type Merged struct {
	Shards  []MergedShard `json:"shards"`
	Missing []int         `json:"missing,omitempty"`
	// MaxSkewMs is the largest difference between two shards' starts.
	MaxSkewMs float64 `json:"max_skew_ms"`
}

// MergedShard is one shard of a merged report: its header, its source, its verdict and its rows' figures.
type MergedShard struct {
	Shard
	Source string     `json:"source"`
	Passed bool       `json:"passed"`
	Rows   []ShardRow `json:"rows"`
}

// ShardRow is one row's figures in one shard.
type ShardRow struct {
	Exporter string  `json:"exporter"`
	Workload string  `json:"workload"`
	Backend  string  `json:"backend"`
	Sent     int64   `json:"sent"`
	Verified int64   `json:"verified"`
	Lost     int64   `json:"lost"`
	Rate     float64 `json:"achieved_rate_per_s"`
	Passed   bool    `json:"passed"`
}

// ArtifactKind and ArtifactSchemaVersion identify a shard artifact.
const (
	ArtifactKind          = "otelbench-shard-artifact"
	ArtifactSchemaVersion = 1
)

// Artifact is what one shard of a sharded run leaves for otelbench merge: its header (Shard), the thresholds of
// the scenario (merge evaluates them on the merged result), and its report, whose latencies carry their HDR
// histograms (Latency.HDR), rows their per-second series (Timeseries) and a bounded sample of what was lost
// (Problems).
type Artifact struct {
	Kind          string `json:"kind"`
	SchemaVersion int    `json:"schema_version"`
	RunID         string `json:"run_id"`
	Scenario      string `json:"scenario"`
	Shard         Shard  `json:"shard"`
	// Thresholds are the scenario's, as written: each expression and the exporters it is limited to.
	Thresholds []ArtifactThreshold `json:"thresholds,omitempty"`
	Report     *Report             `json:"report"`

	// source is where the artifact was read from, for errors.
	source string
}

// ArtifactThreshold is one of the scenario's thresholds.
type ArtifactThreshold struct {
	Expr      string   `json:"expr"`
	Exporters []string `json:"exporters,omitempty"`
}

// Source is where the artifact was read from ("shard-0-of-3.json", "run.log").
func (a *Artifact) Source() string { return a.source }

// FileName is the artifact's file name in a shard's --out folder.
func (a *Artifact) FileName() string {
	return fmt.Sprintf("shard-%d-of-%d.json", a.Shard.Index, a.Shard.Count)
}

// WriteJSON writes the artifact as JSON.
func (a *Artifact) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(a)
}

// frameTag starts every line of a framed artifact; framedWidth is how many base64 characters a line carries
// (well under the 16 KiB at which Docker's log drivers split a line).
const (
	frameTag    = "otelbench-artifact"
	framedWidth = 120
)

// WriteFramed writes the artifact as a framed block of text lines, for a log that an engine collects where no
// volume is shared (kubectl logs, docker service logs): its gzipped JSON in base64, each line
// "otelbench-artifact RUN I/N K/TOTAL DATA". Every line names its shard and place, so that ReadArtifacts reads
// the block back whatever the engine puts before each line and however it interleaves the lines of several
// shards.
func (a *Artifact) WriteFramed(w io.Writer) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(a); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	data := base64.StdEncoding.EncodeToString(buf.Bytes())
	total := (len(data) + framedWidth - 1) / framedWidth
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# otelbench shard %s of run %s: its artifact follows, %d lines for otelbench merge\n", a.Shard, a.RunID, total)
	for k := range total {
		line := data[k*framedWidth : min((k+1)*framedWidth, len(data))]
		fmt.Fprintf(bw, "%s %s %s %d/%d %s\n", frameTag, a.RunID, a.Shard, k+1, total, line)
	}
	return bw.Flush()
}

// frame is a framed artifact being read back.
type frame struct {
	lines map[int]string
	total int
}

// ReadArtifacts reads the artifacts in r, named source in errors: a JSON artifact (what a shard writes into its
// --out folder), or text holding framed artifacts (WriteFramed) among other lines, such as a log. A framed
// artifact with lines missing is an error naming it.
func ReadArtifacts(r io.Reader, source string) ([]*Artifact, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(512)
	if t := bytes.TrimSpace(head); len(t) > 0 && t[0] == '{' {
		var a Artifact
		if err := json.NewDecoder(br).Decode(&a); err != nil {
			return nil, fmt.Errorf("%s: not a shard artifact: %w", source, err)
		}
		if a.Kind != ArtifactKind {
			return nil, nil // another JSON file (a report.json beside the artifact)
		}
		if err := a.check(source); err != nil {
			return nil, err
		}
		return []*Artifact{&a}, nil
	}
	frames := map[string]*frame{}
	var order []string
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, frameTag+" ")
		if i < 0 {
			continue
		}
		f := strings.Fields(line[i+len(frameTag):])
		if len(f) != 4 {
			continue
		}
		key := f[0] + " " + f[1]
		k, total, ok := fraction(f[2])
		if !ok || k < 1 || k > total {
			continue
		}
		fr := frames[key]
		if fr == nil {
			fr = &frame{lines: map[int]string{}, total: total}
			frames[key] = fr
			order = append(order, key)
		}
		fr.lines[k] = f[3]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var out []*Artifact
	for _, key := range order {
		fr := frames[key]
		var b strings.Builder
		for k := 1; k <= fr.total; k++ {
			line, ok := fr.lines[k]
			if !ok {
				return nil, fmt.Errorf("%s: the artifact of run/shard %s lacks line %d of %d (the log was cut short or lost lines); collect the shard's log again", source, key, k, fr.total)
			}
			b.WriteString(line)
		}
		a, err := decodeFramed(b.String())
		if err != nil {
			return nil, fmt.Errorf("%s: the artifact of run/shard %s: %w", source, key, err)
		}
		if err := a.check(source); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func fraction(s string) (k, n int, ok bool) {
	a, b, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	return k, n, err1 == nil && err2 == nil
}

func decodeFramed(data string) (*Artifact, error) {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var a Artifact
	if err := json.NewDecoder(zr).Decode(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// check completes an artifact read from source and says what is wrong with it.
func (a *Artifact) check(source string) error {
	a.source = source
	switch {
	case a.Kind != ArtifactKind:
		return fmt.Errorf("%s: kind %q is not a shard artifact (%q)", source, a.Kind, ArtifactKind)
	case a.SchemaVersion > ArtifactSchemaVersion:
		return fmt.Errorf("%s: artifact schema %d is newer than this otelbench reads (%d); merge with the otelbench that wrote it", source, a.SchemaVersion, ArtifactSchemaVersion)
	case a.Report == nil:
		return fmt.Errorf("%s: the artifact holds no report", source)
	case a.Shard.Count < 1 || a.Shard.Index < 0 || a.Shard.Index >= a.Shard.Count:
		return fmt.Errorf("%s: shard %s is not one of a run's shards", source, a.Shard)
	}
	return nil
}

// LoadArtifacts reads the artifacts at paths: artifact files, folders (every file in them, not below), or logs
// holding framed artifacts ("-" is standard input).
func LoadArtifacts(paths []string, stdin io.Reader) ([]*Artifact, error) {
	var out []*Artifact
	read := func(path string) error {
		if path == "-" {
			as, err := ReadArtifacts(stdin, "standard input")
			out = append(out, as...)
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		as, err := ReadArtifacts(f, path)
		out = append(out, as...)
		return err
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if p != "-" && err != nil {
			return nil, err
		}
		if p == "-" || !st.IsDir() {
			if err := read(p); err != nil {
				return nil, err
			}
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		before := len(out)
		for _, e := range entries {
			if e.Type().IsRegular() && !skippedInFolder(e.Name()) {
				if err := read(filepath.Join(p, e.Name())); err != nil {
					return nil, err
				}
			}
		}
		if len(out) == before {
			return nil, fmt.Errorf("%s: no shard artifact in this folder; expected shard-I-of-N.json files (otelbench run --shard --out) or logs holding framed artifacts", p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no shard artifact found; expected artifact files, folders of them, or logs of shards run with --print-artifact")
	}
	return out, nil
}

// skippedInFolder are the files a shard's --out folder holds besides its artifact: its own reports.
func skippedInFolder(name string) bool {
	switch filepath.Ext(name) {
	case ".html", ".md", ".xml", ".csv", ".txt":
		return true
	}
	return name == "report.json"
}

// MergeOptions tune Merge.
type MergeOptions struct {
	// AllowPartial merges the shards present when some are missing (the report names them and fails).
	AllowPartial bool
}

// Merge merges the artifacts of one sharded run into one report, as if one process had sent every shard's items:
// counts are summed, latency histograms merged (quantiles are computed from the merged histogram, never averaged),
// per-second series aligned by wall-clock second, and the scenario's thresholds evaluated on the merged rows. It
// refuses artifacts of different runs, scenarios, seeds or shard counts, a shard given twice, and a missing shard
// (unless opts.AllowPartial), each with an error that names the artifacts.
func Merge(arts []*Artifact, opts MergeOptions) (*Report, error) {
	if len(arts) == 0 {
		return nil, errors.New("nothing to merge")
	}
	first := arts[0]
	byIndex := map[int]*Artifact{}
	for _, a := range arts {
		if d := differs(first, a); d != "" {
			return nil, fmt.Errorf("%s and %s are not shards of one run: %s; merge the artifacts of one otelbench shard run", first.source, a.source, d)
		}
		if prev, ok := byIndex[a.Shard.Index]; ok {
			return nil, fmt.Errorf("shard %s is given twice (%s and %s): a shard that ran twice resent its items; merge one artifact per shard", a.Shard, prev.source, a.source)
		}
		byIndex[a.Shard.Index] = a
	}
	n := first.Shard.Count
	var missing []int
	for i := range n {
		if byIndex[i] == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 && !opts.AllowPartial {
		names := make([]string, len(missing))
		for i, m := range missing {
			names[i] = fmt.Sprintf("%d/%d", m, n)
		}
		return nil, fmt.Errorf("shard %s of run %s is missing: collect its artifact (its log, or its --out folder), or merge with --allow-partial for a report that says what is missing", strings.Join(names, ", "), first.RunID)
	}
	shards := make([]*Artifact, 0, len(byIndex))
	for i := range n {
		if a := byIndex[i]; a != nil {
			shards = append(shards, a)
		}
	}
	return merge(shards, missing)
}

// differs says how b differs from a as a shard of one run, or "".
func differs(a, b *Artifact) string {
	switch {
	case a.RunID != b.RunID:
		return fmt.Sprintf("run %s against run %s", a.RunID, b.RunID)
	case a.Shard.ScenarioHash != b.Shard.ScenarioHash:
		return "their scenario files differ"
	case a.Shard.Seed != b.Shard.Seed:
		return fmt.Sprintf("seed %d against seed %d", a.Shard.Seed, b.Shard.Seed)
	case a.Shard.Count != b.Shard.Count:
		return fmt.Sprintf("%d shards against %d", a.Shard.Count, b.Shard.Count)
	}
	return ""
}

func merge(shards []*Artifact, missing []int) (*Report, error) {
	first := shards[0]
	out := &Report{SchemaVersion: SchemaVersion, Scenario: first.Report.Scenario, File: first.Report.File, RunID: first.RunID,
		Merged: &Merged{Missing: missing}}
	var starts []time.Time
	var end time.Time
	for _, a := range shards {
		r := a.Report
		if out.Started.IsZero() || r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		starts = append(starts, a.Shard.Start)
		end = latest(end, r.Started.Add(time.Duration(r.DurationS*float64(time.Second))))
		out.Interrupted = out.Interrupted || r.Interrupted
		ms := MergedShard{Shard: a.Shard, Source: a.source, Passed: r.Passed}
		for _, row := range r.Exporters {
			ms.Rows = append(ms.Rows, ShardRow{Exporter: row.Name, Workload: row.Workload, Backend: row.Backend, Sent: row.Sent,
				Verified: row.Verified, Lost: row.Lost, Rate: row.AchievedRatePerS, Passed: row.Passed})
		}
		out.Merged.Shards = append(out.Merged.Shards, ms)
		if u := r.Otelbench; u != nil {
			if out.Otelbench == nil {
				out.Otelbench = &Usage{}
			}
			out.Otelbench.CPUSeconds += u.CPUSeconds
			out.Otelbench.PeakMemoryMB = max(out.Otelbench.PeakMemoryMB, u.PeakMemoryMB)
		}
	}
	out.DurationS = round3(end.Sub(out.Started).Seconds())
	if len(starts) > 1 {
		lo, hi := slices.MinFunc(starts, time.Time.Compare), slices.MaxFunc(starts, time.Time.Compare)
		out.Merged.MaxSkewMs = round3(float64(hi.Sub(lo)) / float64(time.Millisecond))
	}
	rows, err := mergeRows(shards)
	if err != nil {
		return nil, err
	}
	out.Exporters = rows
	out.Compatibility = CompatibilityOf(rows)
	out.Passed = len(missing) == 0
	for _, row := range rows {
		out.Passed = out.Passed && row.Passed
	}
	thresholds, filters := make([]Threshold, 0, len(first.Thresholds)), make([][]string, 0, len(first.Thresholds))
	for _, t := range first.Thresholds {
		th, err := ParseThreshold(t.Expr)
		if err != nil {
			return nil, fmt.Errorf("%s: threshold %q: %w", first.source, t.Expr, err)
		}
		thresholds, filters = append(thresholds, th), append(filters, t.Exporters)
	}
	out.EvaluateThresholds(thresholds, filters)
	return out, nil
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// ShardLines say what part of a sharded run the report is: one line for a shard's report, and for a merged
// report one line for the merge, then one per shard with its figures and skew.
func (r *Report) ShardLines() []string {
	if s := r.Shard; s != nil {
		line := fmt.Sprintf("shard %s of run %s (every %d-th slot from slot %d)", s, r.RunID, s.Count, s.Index)
		if !s.StartAt.IsZero() {
			line += fmt.Sprintf(", started %.1f ms after the agreed start %s", s.SkewMs, s.StartAt.Format(time.RFC3339))
		}
		return []string{line + "; otelbench merge makes one report of every shard's artifact"}
	}
	m := r.Merged
	if m == nil {
		return nil
	}
	count := len(m.Shards) + len(m.Missing)
	if len(m.Shards) > 0 {
		count = m.Shards[0].Count
	}
	line := fmt.Sprintf("merged from %d of %d shards, their starts %.1f ms apart at most", len(m.Shards), count, m.MaxSkewMs)
	if len(m.Missing) > 0 {
		missing := make([]string, len(m.Missing))
		for i, x := range m.Missing {
			missing[i] = fmt.Sprintf("%d/%d", x, count)
		}
		line += "; MISSING: shard " + strings.Join(missing, ", ") + " (the report fails)"
	}
	out := []string{line}
	for _, s := range m.Shards {
		var sent, verified, lost int64
		var rate float64
		for _, row := range s.Rows {
			sent, verified, lost, rate = sent+row.Sent, verified+row.Verified, lost+row.Lost, rate+row.Rate
		}
		verdict := "passed"
		if !s.Passed {
			verdict = "failed"
		}
		out = append(out, fmt.Sprintf("shard %s %s: sent %d, verified %d, lost %d, %.0f/s, skew %.1f ms, otelbench %s (%s)",
			s.Shard, verdict, sent, verified, lost, rate, s.SkewMs, cmp.Or(s.Version, "?"), s.Source))
	}
	return out
}
