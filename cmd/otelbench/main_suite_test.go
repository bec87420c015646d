package main_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
)

func TestOtelbench(t *testing.T) {
	containers.ProcessSettings() // as a program's main does, before any container starts
	RegisterFailHandler(Fail)
	RunSpecs(t, "otelbench CLI Suite")
}

// binary is the otelbench command built once for the suite.
var binary string

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	if Label("docker").MatchesLabelFilter(GinkgoLabelFilter()) {
		// The end-to-end specs need the backend images; build what is missing (make test has done it already).
		for _, img := range all.Images() {
			_, err := containers.BuildImage(ctx, img, false, GinkgoWriter)
			Expect(err).NotTo(HaveOccurred())
		}
	}
	path, err := gexec.Build("github.com/otelbench/otelbench/cmd/otelbench")
	Expect(err).NotTo(HaveOccurred())
	return []byte(path)
}, func(path []byte) {
	binary = string(path)
}, NodeTimeout(30*time.Minute))

var _ = SynchronizedAfterSuite(func() {}, func() {
	gexec.CleanupBuildArtifacts()
})

// leftovers lists the containers of a run still present.
func leftovers(runID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) { return containers.List(ctx, runID) }
}
