package engine_test

import (
	"testing"

	"github.com/otelbench/otelbench/containers"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestEngine(t *testing.T) {
	containers.ProcessSettings() // as a program's main does, before any container starts
	RegisterFailHandler(Fail)
	RunSpecs(t, "Engine Suite")
}
