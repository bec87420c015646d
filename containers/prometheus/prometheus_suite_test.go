package prometheus_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
)

func TestPrometheus(t *testing.T) {
	containers.ProcessSettings() // as a program's main does, before any container starts
	RegisterFailHandler(Fail)
	RunSpecs(t, "Prometheus backend Suite", Label("docker"))
}
