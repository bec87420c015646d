package containers_test

import (
	"os"
	"os/exec"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
)

var _ = Describe("Prune's choice", func() {
	const here = "boot-1/4026531836"
	// alive says pid 100 started at 555 is running, nothing else.
	alive := func(pid int, start uint64) bool { return pid == 100 && (start == 0 || start == 555) }
	run := func(extra ...string) map[string]string {
		l := map[string]string{containers.Label: "true", containers.RunIDLabel: "r1"}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return l
	}
	owner, ns := containers.OwnerLabel, containers.OwnerNSLabel

	DescribeTable("removes a container only when its run is over, named, or --all is given",
		func(labels map[string]string, state string, opts containers.PruneOptions, want bool, why string) {
			remove, reason := containers.Decide(labels, state, opts, here, alive)
			Expect(remove).To(Equal(want), reason)
			Expect(reason).To(ContainSubstring(why))
		},
		Entry("a hand-made container from an image that carries dev.otelbench", map[string]string{containers.Label: "true", "dev.otelbench.source": "x"}, "running", containers.PruneOptions{}, false, "not started by an otelbench run"),
		Entry("a hand-made container from a new image, even with --all", map[string]string{containers.ImageLabel: "jaeger"}, "exited", containers.PruneOptions{All: true}, false, "not started by an otelbench run"),
		Entry("a hand-made container, even with --run-id", map[string]string{containers.Label: "true"}, "running", containers.PruneOptions{RunID: "r1"}, false, "not started"),
		Entry("a run whose owner is alive", run(owner, "100:555", ns, here), "running", containers.PruneOptions{}, false, "run in progress: owner pid 100 alive"),
		Entry("a run whose owner is alive, container still being created", run(owner, "100:555", ns, here), "created", containers.PruneOptions{}, false, "run in progress"),
		Entry("a run whose owner is alive, container exited", run(owner, "100:555", ns, here), "exited", containers.PruneOptions{}, false, "run in progress"),
		Entry("a run whose owner is gone", run(owner, "200:555", ns, here), "running", containers.PruneOptions{}, true, "owner pid 200 gone"),
		Entry("a run whose owner's PID was reused by another process", run(owner, "100:554", ns, here), "running", containers.PruneOptions{}, true, "owner pid 100 gone"),
		Entry("a run whose owner is gone, without a namespace label", run(owner, "200:555"), "running", containers.PruneOptions{}, true, "gone"),
		Entry("a run whose owner is alive, without a namespace label", run(owner, "100:555"), "running", containers.PruneOptions{}, false, "alive"),
		Entry("a run whose owner is alive, --all", run(owner, "100:555", ns, here), "running", containers.PruneOptions{All: true}, true, "--all"),
		Entry("a run whose owner is alive, named by --run-id", run(owner, "100:555", ns, here), "running", containers.PruneOptions{RunID: "r1"}, true, "--run-id"),
		Entry("another run than --run-id, owner gone", run(owner, "200:555", ns, here), "exited", containers.PruneOptions{RunID: "r2"}, false, "another run"),
		Entry("no owner label, running", run(), "running", containers.PruneOptions{}, false, "no owner label"),
		Entry("no owner label, being created", run(), "created", containers.PruneOptions{}, false, "no owner label"),
		Entry("no owner label, exited", run(), "exited", containers.PruneOptions{}, true, "no owner label"),
		Entry("no owner label, --all", run(), "running", containers.PruneOptions{All: true}, true, "--all"),
		Entry("an unreadable owner label, running", run(owner, "me"), "running", containers.PruneOptions{}, false, "unreadable"),
		Entry("an unreadable owner label, dead", run(owner, "-1:5"), "dead", containers.PruneOptions{}, true, "unreadable"),
		Entry("an owner in another PID namespace, running", run(owner, "200:555", ns, "boot-1/4026532000"), "running", containers.PruneOptions{}, false, "another PID namespace"),
		Entry("an owner before a reboot, exited", run(owner, "100:555", ns, "boot-0/4026531836"), "exited", containers.PruneOptions{}, true, "elsewhere"),
	)

	It("reads owner labels", func() {
		pid, start, ok := containers.ParseOwner("4242:987654")
		Expect(ok).To(BeTrue())
		Expect(pid).To(Equal(4242))
		Expect(start).To(Equal(uint64(987654)))
		for _, bad := range []string{"", "4242", "x:1", "0:1", "-3:1", "1:x", "1:-1", "1:2:3"} {
			_, _, ok := containers.ParseOwner(bad)
			Expect(ok).To(BeFalse(), bad)
		}
	})

	It("tells a live process from an exited one and from a reused PID", func() {
		Expect(containers.ProcessAlive(os.Getpid(), 0)).To(BeTrue())
		cmd := exec.Command("true")
		Expect(cmd.Run()).To(Succeed())
		Expect(containers.ProcessAlive(cmd.Process.Pid, 0)).To(BeFalse())
		Expect(containers.ProcessAlive(0, 0)).To(BeFalse())
		data, err := os.ReadFile("/proc/self/stat")
		if err != nil {
			Skip("no /proc")
		}
		Expect(data).NotTo(BeEmpty())
		Expect(containers.ProcessAlive(os.Getpid(), 1)).To(BeFalse(), "same PID, another start time")
	})
})
