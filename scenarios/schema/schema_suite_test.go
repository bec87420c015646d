package schema_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	// The backend types a scenario may name are those a program links: the loader, which the specs compare the
	// schema with, needs them registered.
	_ "github.com/otelbench/otelbench/containers/all"
)

func TestSchema(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Scenario Schema Suite")
}
