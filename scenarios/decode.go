package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

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

var durationType = reflect.TypeFor[Duration]()

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
	switch {
	case t == durationType:
		d.decodeDuration(n, v, path)
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case t.Kind() == reflect.Slice:
		d.decodeSlice(n, v, path)
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
			d.fail(key, join(path, key.Value), "key %q appears twice in %s", key.Value, describe(path))
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
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Tag != "!!int" || err != nil {
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
// no column for syntax errors, so Column is 0 there.
func syntaxError(file string, err error) Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
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
	return Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}
