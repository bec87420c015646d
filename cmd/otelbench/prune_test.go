package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
)

var _ = Describe("otelbench prune", Label("docker", "e2e"), func() {
	It("removes what dead runs left, keeps live runs' containers and never touches hand-made ones", func(ctx SpecContext) {
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(cli.Close)
		img, _ := all.ImageFor("jaeger")
		image := img.Local // built by the suite; it may carry dev.otelbench, as images built before dev.otelbench.image do

		suffix := fmt.Sprint(time.Now().UnixNano())
		create := func(name string, labels map[string]string, start bool, cmd ...string) string {
			GinkgoHelper()
			res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
				Name:       name + "-" + suffix,
				Config:     &container.Config{Image: image, Labels: labels, Cmd: cmd},
				HostConfig: &container.HostConfig{NetworkMode: "host"},
			})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx context.Context) {
				_, _ = cli.ContainerRemove(ctx, res.ID, client.ContainerRemoveOptions{Force: true})
			})
			if start {
				_, err := cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{})
				Expect(err).NotTo(HaveOccurred())
			}
			return res.ID
		}
		exists := func(id string) bool {
			GinkgoHelper()
			_, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
			if cerrdefs.IsNotFound(err) {
				return false
			}
			Expect(err).NotTo(HaveOccurred())
			return true
		}

		// Made by hand from an otelbench image: one created, one that ran (--help, so it binds no port) and exited.
		handCreated := create("spec-prune-hand-created", nil, false)
		handRan := create("spec-prune-hand-ran", nil, true, "--help")
		// Left by a run whose otelbench process has exited.
		gone := exec.Command("true")
		Expect(gone.Run()).To(Succeed())
		deadRun := runID("prune-dead")
		dead := create("spec-prune-dead", map[string]string{
			containers.Label: "true", containers.RunIDLabel: deadRun,
			containers.OwnerLabel: fmt.Sprintf("%d:%d", gone.Process.Pid, selfStart()),
		}, false)
		// Of a run still in progress: this process owns it.
		liveRun := runID("prune-live")
		live := create("spec-prune-live", map[string]string{
			containers.Label: "true", containers.RunIDLabel: liveRun,
			containers.OwnerLabel: fmt.Sprintf("%d:%d", os.Getpid(), selfStart()),
		}, false)

		s := otelbench("prune")
		Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`(?m)^removed %s  spec-prune-dead-%s  %s  run=%s  created  \(owner pid %d gone\)$`,
			dead[:12], suffix, regexp.QuoteMeta(image), deadRun, gone.Process.Pid))
		Expect(out).To(MatchRegexp(`(?m)^kept    %s  spec-prune-live-%s  %s  run=%s  created  \(run in progress: owner pid %d alive\)$`,
			live[:12], suffix, regexp.QuoteMeta(image), liveRun, os.Getpid()))
		Expect(out).To(MatchRegexp(`(?m)^removed [1-9]\d* otelbench container\(s\), kept [1-9]\d*$`))
		Expect(out).NotTo(ContainSubstring("spec-prune-hand"))
		Expect(exists(dead)).To(BeFalse())
		Expect(exists(live)).To(BeTrue())
		Expect(exists(handCreated)).To(BeTrue())
		Expect(exists(handRan)).To(BeTrue())

		// Naming the run removes it although its owner lives; --all with --run-id is refused.
		s = otelbench("prune", "--run-id", liveRun, "--all")
		Eventually(s).WithContext(ctx).Should(gexec.Exit(2))
		s = otelbench("prune", "--run-id", liveRun)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
		out = string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`(?m)^removed %s  spec-prune-live-%s  .*  run=%s  created  \(run named by --run-id\)$`, live[:12], suffix, liveRun))
		Expect(out).To(HaveSuffix("removed 1 otelbench container(s), kept 0\n"))
		Expect(exists(live)).To(BeFalse())
		Expect(exists(handCreated)).To(BeTrue())
		Expect(exists(handRan)).To(BeTrue())
	}, SpecTimeout(2*time.Minute))
})

// selfStart is this process's start time, field 22 of /proc/self/stat, as otelbench puts in its owner label.
func selfStart() uint64 {
	GinkgoHelper()
	data, err := os.ReadFile("/proc/self/stat")
	Expect(err).NotTo(HaveOccurred())
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	var start uint64
	_, err = fmt.Sscan(f[19], &start)
	Expect(err).NotTo(HaveOccurred())
	return start
}
