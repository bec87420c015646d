package containers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
)

func TestContainers(t *testing.T) {
	containers.ProcessSettings() // as a program's main does, before any container starts
	RegisterFailHandler(Fail)
	RunSpecs(t, "Containers Suite")
}

// images are resolved once for the docker-labelled specs, by backend type: the official image if Docker has it,
// else the local build, which is built here when missing (make test builds them beforehand).
var images = map[string]string{}

var jaegerImage string

var _ = BeforeSuite(func(ctx SpecContext) {
	if !Label("docker").MatchesLabelFilter(GinkgoLabelFilter()) {
		return
	}
	for _, img := range all.Images() {
		_, err := containers.BuildImage(ctx, img, false, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		images[img.Backend], err = containers.ResolveImage(ctx, img, containers.ImagesAuto)
		Expect(err).NotTo(HaveOccurred())
	}
	jaegerImage = images["jaeger"]
}, NodeTimeout(30*time.Minute))

// leftovers lists the containers a run left behind.
func leftovers(runID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) { return containers.List(ctx, runID) }
}
