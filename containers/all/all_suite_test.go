package all_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
)

func TestAll(t *testing.T) {
	containers.ProcessSettings() // as a program's main does, before any container starts
	RegisterFailHandler(Fail)
	RunSpecs(t, "Registry Suite")
}
