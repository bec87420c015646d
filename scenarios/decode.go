package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A decoder turns a YAML node tree into the scenario types strictly: unknown keys, duplicate keys, wrong kinds
// and unparsable scalars are all reported with their position, and decoding goes on after an error so that one
// pass reports every problem. yaml.v3's own strict mode stops at type errors without a column, which is why this
// walker exists.
type decoder struct {
	file   string
	errs   []Error
	places map[string]Pos // field path ("exporters[1].backend") -> where its value stands
	failed []string       // paths whose value could not be decoded
}

// Pos is a place in a scenario file; Line and Column count from 1.
type Pos struct {
	Line, Column int
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed = append(d.failed, path)
	d.errs = append(d.errs, Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

var (
	durationType = reflect.TypeFor[Duration]()
	valueType    = reflect.TypeFor[Value]()
)

// Value is a scalar taken as written, whatever YAML would make of it (a sweep's axis values: 512, gzip, 200ms).
type Value string

// decode fills v (a pointer) from n; path names n for error messages and for the places index.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.places[path] = Pos{n.Line, n.Column}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the default in place
	}
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		// An optional section: present in the file, so it exists.
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	switch {
	case t == durationType:
		d.decodeDuration(n, v, path)
	case t == valueType:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "%s: expected a value, got %s", describe(path), kindName(n))
			return
		}
		v.SetString(n.Value)
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case t.Kind() == reflect.Slice:
		d.decodeSlice(n, v, path)
	case t.Kind() == reflect.Map:
		d.decodeMap(n, v, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: expected a mapping (key: value lines), got %s", describe(path), kindName(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		idx, ok := fields[key.Value]
		if !ok {
			d.fail(key, join(path, key.Value), "unknown key %q in %s; expected one of: %s", key.Value, describe(path), strings.Join(fieldNames(v.Type()), ", "))
			continue
		}
		if seen[key.Value] {
			d.fail(key, join(path, key.Value), "key %q appears twice in %s; expected each key once", key.Value, describe(path))
			continue
		}
		seen[key.Value] = true
		d.decode(val, v.Field(idx), join(path, key.Value))
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "%s: expected a list, got %s", describe(path), kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

// decodeMap fills a map of strings (headers) from a mapping.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: expected a mapping (key: value lines), got %s", describe(path), kindName(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		kp := join(path, key.Value)
		if key.Kind != yaml.ScalarNode || key.Value == "" {
			d.fail(key, kp, "%s: expected a name as key, got %s", describe(path), kindName(key))
			continue
		}
		if m.MapIndex(reflect.ValueOf(key.Value)).IsValid() {
			d.fail(key, kp, "key %q appears twice in %s; expected each key once", key.Value, describe(path))
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem.Addr().Elem(), kp)
		m.SetMapIndex(reflect.ValueOf(key.Value), elem)
	}
	v.Set(m)
}

// expandEnv replaces ${NAME} in s with the environment variable NAME ($$ is a literal $), so that secrets stay
// out of scenario files. It returns the first variable that is not set.
func expandEnv(s string) (string, string) {
	if !strings.Contains(s, "$") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i++
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String(), ""
			}
			name := s[i+2 : i+end]
			val, ok := os.LookupEnv(name)
			if !ok {
				return "", name
			}
			b.WriteString(val)
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%s: expected %s, got %s", describe(path), typeName(v.Type()), kindName(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Tag != "!!str" {
			d.fail(n, path, "%s: expected a string, got %q (quote it if it is meant as text)", describe(path), n.Value)
			return
		}
		val, unset := expandEnv(n.Value)
		if unset != "" {
			d.fail(n, path, "%s: environment variable %s is not set; expected it set (${%s} is replaced by its value), or $${ for a literal ${", describe(path), unset, unset)
			return
		}
		v.SetString(val)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Tag != "!!int" || err != nil || v.OverflowInt(i) {
			d.fail(n, path, "%s: expected a whole number, got %q", describe(path), n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			d.fail(n, path, "%s: expected a number, got %q", describe(path), n.Value)
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// ParseFloat takes "NaN" and "Inf", which a !!float tag lets through: no rate or fraction is either.
			d.fail(n, path, "%s: expected a finite number, got %q", describe(path), n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Tag != "!!bool" || err != nil {
			d.fail(n, path, "%s: expected true or false, got %q", describe(path), n.Value)
			return
		}
		v.SetBool(b)
	default:
		// Only reachable when a field of an unsupported type is added to the scenario types.
		d.fail(n, path, "%s: internal error: no decoder for %s", describe(path), v.Type())
	}
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%s: expected a duration such as 30s or 1m30s, got %s", describe(path), kindName(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, "%s: expected a duration such as 30s or 1m30s, got %q", describe(path), n.Value)
		return
	}
	v.Set(reflect.ValueOf(Duration(dur)))
}

// yamlFields maps the yaml tag names of t's fields to their index.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			m[name] = i
		}
	}
	return m
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(path string) string {
	if path == "" {
		return "the scenario"
	}
	return path
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// syntaxError turns a yaml.v3 parse error ("yaml: line 3: ...") into an Error with the file name. yaml.v3 gives
// no column for syntax errors, so Column is 0 there, unless the place is found in data: an input the YAML reader
// refuses (invalid UTF-8, a control character) and an alias to no anchor carry no line in yaml.v3's message.
func syntaxError(file string, data []byte, err error) Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line, col := 0, 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ":"); ok {
			if l, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = l, strings.TrimSpace(after)
				// yaml.v3 reports parser errors ("did not find expected ...") at the 0-based line of the
				// construct they are in, and scanner errors 1-based; make both 1-based.
				if strings.HasPrefix(msg, "did not find expected") {
					line++
				}
			}
		}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	if line == 0 {
		// yaml.v3 leaves the line out when it is the first (its 0-based line 0), and for errors it places by
		// byte offset, or not at all.
		line, col = 1, 0
		if anchor, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
			if l, c, found := aliasPlace(data, strings.TrimSuffix(anchor, "' referenced")); found {
				line, col = l, c
			}
			msg += "; expected an alias *name after an anchor &name"
		} else if l, c, found := unreadablePlace(data); found {
			line, col = l, c
		}
	}
	return Error{File: file, Line: line, Column: col, Msg: "invalid YAML: " + msg}
}

// unreadablePlace is the line and column of the first character in data that the YAML reader refuses: invalid
// UTF-8, or a character YAML does not allow in a stream (control characters but tab, line feed and carriage
// return; surrogates, U+FFFE and U+FFFF). found is false when there is none, or when data is UTF-16, which the
// reader also takes.
func unreadablePlace(data []byte) (line, col int, found bool) {
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return 0, 0, false
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		allowed := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7E || r == 0x85 || r >= 0xA0 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if r == utf8.RuneError && size <= 1 || !allowed {
			return line, col, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return 0, 0, false
}

// aliasPlace is where the first alias *anchor stands in data (a best effort: a scalar may contain the same text).
func aliasPlace(data []byte, anchor string) (line, col int, found bool) {
	for i, text := range strings.Split(string(data), "\n") {
		for from := 0; ; {
			j := strings.Index(text[from:], "*"+anchor)
			if j < 0 {
				break
			}
			j += from
			end := j + 1 + len(anchor)
			if end == len(text) || strings.ContainsRune(" \t\r,]}", rune(text[end])) {
				return i + 1, utf8.RuneCountInString(text[:j]) + 1, true
			}
			from = j + 1
		}
	}
	return 0, 0, false
}
