package containers_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/zipkin"
)

var _ = Describe("a container's usage read from its cgroup", func() {
	const id = "0123abcd"
	write := func(root string, files map[string]string) {
		for p, v := range files {
			p = filepath.Join(root, p)
			Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
			Expect(os.WriteFile(p, []byte(v), 0o644)).To(Succeed())
		}
	}
	DescribeTable("the layouts Docker uses",
		func(files map[string]string, want containers.Usage, found bool) {
			root := GinkgoT().TempDir()
			write(root, files)
			got, ok := containers.ReadCgroup(root, id)
			Expect(ok).To(Equal(found))
			Expect(got).To(Equal(want))
		},
		Entry("cgroup v1, cgroupfs driver", map[string]string{
			"cpuacct/docker/" + id + "/cpuacct.usage":        "2500000000\n",
			"memory/docker/" + id + "/memory.usage_in_bytes": "1048576\n",
		}, containers.Usage{CPUSeconds: 2.5, MemoryBytes: 1 << 20}, true),
		Entry("cgroup v1, systemd driver", map[string]string{
			"cpuacct/system.slice/docker-" + id + ".scope/cpuacct.usage":        "1000000000\n",
			"memory/system.slice/docker-" + id + ".scope/memory.usage_in_bytes": "2048\n",
		}, containers.Usage{CPUSeconds: 1, MemoryBytes: 2048}, true),
		Entry("cgroup v2, cgroupfs driver", map[string]string{
			"docker/" + id + "/cpu.stat":       "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n",
			"docker/" + id + "/memory.current": "4096\n",
		}, containers.Usage{CPUSeconds: 1.5, MemoryBytes: 4096}, true),
		Entry("cgroup v2, systemd driver", map[string]string{
			"system.slice/docker-" + id + ".scope/cpu.stat":       "user_usec 1\nusage_usec 3000000\n",
			"system.slice/docker-" + id + ".scope/memory.current": "8192\n",
		}, containers.Usage{CPUSeconds: 3, MemoryBytes: 8192}, true),
		Entry("another container's cgroup only: the stats API answers", map[string]string{
			"cpuacct/docker/ffff/cpuacct.usage":        "1\n",
			"memory/docker/ffff/memory.usage_in_bytes": "1\n",
		}, containers.Usage{}, false),
		Entry("CPU without memory: the stats API answers", map[string]string{
			"cpuacct/docker/" + id + "/cpuacct.usage": "1\n",
		}, containers.Usage{}, false),
		Entry("an unreadable figure: the stats API answers", map[string]string{
			"docker/" + id + "/cpu.stat":       "usage_usec lots\n",
			"docker/" + id + "/memory.current": "1\n",
		}, containers.Usage{}, false),
	)
})

var _ = Describe("UsageReader", Label("docker"), func() {
	It("reads a running container's CPU time and memory from its cgroup on a local engine, as the stats API counts them", func(ctx SpecContext) {
		z, err := zipkin.Run(ctx, images["zipkin"], zipkin.Config{RunID: specRunID("usage"), MaxSpans: 10_000})
		DeferCleanup(func(ctx context.Context) { _ = z.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		id := z.GetContainerID()

		fromCgroup, ok := containers.ReadCgroup("/sys/fs/cgroup", id)
		Expect(ok).To(BeTrue(), "the engine runs on this machine: its cgroup must be found, or every sample waits up to a second for the stats API")
		Expect(fromCgroup.CPUSeconds).To(BeNumerically(">", 0.1), "a JVM that started has used CPU")
		Expect(fromCgroup.MemoryBytes).To(BeNumerically(">", 10<<20))

		r, err := containers.NewUsageReader(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(r.Close)
		got, err := r.Read(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.CPUSeconds).To(BeNumerically(">=", fromCgroup.CPUSeconds), "CPU time only grows")

		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(cli.Close)
		res, err := cli.ContainerStats(ctx, id, client.ContainerStatsOptions{})
		Expect(err).NotTo(HaveOccurred())
		defer res.Body.Close()
		var st container.StatsResponse
		Expect(json.NewDecoder(res.Body).Decode(&st)).To(Succeed())
		after, _ := containers.ReadCgroup("/sys/fs/cgroup", id)
		api := float64(st.CPUStats.CPUUsage.TotalUsage) / 1e9
		Expect(api).To(BeNumerically(">=", got.CPUSeconds-0.01), "the stats API's count, read later, is not behind")
		Expect(api).To(BeNumerically("<=", after.CPUSeconds+0.01), "nor ahead of the cgroup's, read after it")
	}, SpecTimeout(3*time.Minute))
})
