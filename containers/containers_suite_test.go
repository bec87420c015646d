package containers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
)

func TestContainers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Containers Suite")
}

// jaegerImage is resolved once for the docker-labelled specs: the official image if Docker has it, else the local
// build, which is built here when missing (make test builds it beforehand).
var jaegerImage string

var _ = BeforeSuite(func(ctx SpecContext) {
	if !Label("docker").MatchesLabelFilter(GinkgoLabelFilter()) {
		return
	}
	img, ok := containers.ImageFor("jaeger")
	Expect(ok).To(BeTrue())
	_, err := containers.BuildImage(ctx, img, false, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	jaegerImage, err = containers.ResolveImage(ctx, img, containers.ImagesAuto)
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(20*time.Minute))

// leftovers lists the containers a run left behind.
func leftovers(runID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) { return containers.List(ctx, runID) }
}
