package scenarios

import _ "embed" // JSONSchema

// JSONSchema is the JSON Schema (draft 2020-12) of scenario files, for editors: the shipped
// scenarios/scenario.schema.json, which package scenarios/schema generates from the types of this package and
// their doc comments (go generate ./scenarios/...). It describes what the decoder accepts (keys, types, the keys
// always required, closed vocabularies); validation's other rules (references between names, ranges, what a
// backend's type allows) are Load's and Parse's alone. Read it only: it is shared.
//
// The file is embedded here, rather than generated at run time, so that the CLI prints it without linking the
// generator (github.com/invopop/jsonschema, reflection and Go source parsing) and this package gains no
// dependency; package scenarios/schema's spec keeps the file equal to what the generator makes of the types.
//
//go:embed scenario.schema.json
var JSONSchema []byte
