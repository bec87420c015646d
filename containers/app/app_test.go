package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/app"
)

var _ = Describe("An application under test", func() {
	var port int
	var dir string
	BeforeEach(func() {
		ports, err := containers.FreePorts(1)
		Expect(err).NotTo(HaveOccurred())
		port, dir = ports[0], GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "index.html"), []byte("ok"), 0o644)).To(Succeed())
	})
	url := func() string { return fmt.Sprintf("http://127.0.0.1:%d", port) }
	alive := func(pid int) bool { return syscall.Kill(pid, 0) == nil }

	It("is started with the environment it is given, answers once ready, and is stopped with what it started", func(ctx SpecContext) {
		// A shell that starts the server as a child of its own: stopping the app must stop both.
		p, err := app.Start(ctx, app.Config{
			Name: "srv", Dir: dir, Log: filepath.Join(dir, "out", "srv.log"), URL: url(), ReadyPath: "/index.html",
			Command: []string{"sh", "-c", "echo \"greeting=$GREETING\"; python3 -m http.server --bind 127.0.0.1 $PORT & echo $! > child.pid; wait"},
			Env:     []string{"GREETING=hello", "PORT=" + strconv.Itoa(port)},
		})
		Expect(err).NotTo(HaveOccurred())
		resp, err := http.Get(url() + "/index.html")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))
		raw, err := os.ReadFile(filepath.Join(dir, "child.pid"))
		Expect(err).NotTo(HaveOccurred())
		child, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		Expect(alive(child)).To(BeTrue())

		Expect(p.Stop(ctx)).To(Succeed())
		Eventually(func() bool { return alive(child) }).WithContext(ctx).Should(BeFalse(), "the app's child is stopped too")
		_, err = http.Get(url() + "/index.html")
		Expect(err).To(HaveOccurred())
		log, err := os.ReadFile(filepath.Join(dir, "out", "srv.log"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(log)).To(ContainSubstring("greeting=hello"))
		Expect(string(log)).To(ContainSubstring("GET /index.html"))
	})

	It("says so, with its last lines, when it exits before it is ready", func(ctx SpecContext) {
		_, err := app.Start(ctx, app.Config{
			Name: "broken", Dir: dir, Log: filepath.Join(dir, "broken.log"), URL: url(),
			Command: []string{"sh", "-c", "echo 'Traceback: ModuleNotFoundError: No module named flask' >&2; exit 3"},
		})
		Expect(err).To(MatchError(And(ContainSubstring("app broken exited before it was ready"), ContainSubstring("No module named flask"))))
	})

	It("is killed when it does not become ready in time, and leaves nothing running", func(ctx SpecContext) {
		start := time.Now()
		_, err := app.Start(ctx, app.Config{
			Name: "sleepy", Dir: dir, Log: filepath.Join(dir, "sleepy.log"), URL: url(), ReadyTimeout: 500 * time.Millisecond,
			Command: []string{"sh", "-c", "echo $$ > sleepy.pid; sleep 60"},
		})
		Expect(err).To(MatchError(ContainSubstring("app sleepy was not ready after 500ms")))
		Expect(time.Since(start)).To(BeNumerically("<", 15*time.Second))
		raw, err := os.ReadFile(filepath.Join(dir, "sleepy.pid"))
		Expect(err).NotTo(HaveOccurred())
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		Expect(alive(pid)).To(BeFalse())
	})

	It("collects the lines it printed that look like errors", func(ctx SpecContext) {
		p, err := app.Start(ctx, app.Config{
			Name: "noisy", Dir: dir, Log: filepath.Join(dir, "noisy.log"), URL: url(),
			Command: []string{"sh", "-c", "echo starting; echo 'Failed to export span batch: Connection refused' >&2; exec python3 -m http.server --bind 127.0.0.1 " + strconv.Itoa(port)},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = p.Stop(context.Background()) })
		Expect(p.ErrorLines(5)).To(ConsistOf(ContainSubstring("Failed to export span batch: Connection refused")))
	})
})

var _ = Describe("A Python environment for an app", Label("python"), func() {
	It("is made once per requirements file content and reused, and made anew when the pins change", func(ctx SpecContext) {
		if _, err := exec.LookPath("python3"); err != nil {
			Fail("python3 is needed (make python installs it)")
		}
		GinkgoT().Setenv("XDG_CACHE_HOME", GinkgoT().TempDir())
		dir := GinkgoT().TempDir()
		req := filepath.Join(dir, "requirements.txt")
		Expect(os.WriteFile(req, []byte("# nothing pinned\n"), 0o644)).To(Succeed())
		venv, err := app.Venv(ctx, req, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Expect(filepath.Join(venv, "bin", "python")).To(BeAnExistingFile())
		again, err := app.Venv(ctx, req, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Expect(again).To(Equal(venv))

		Expect(os.WriteFile(req, []byte("# still nothing, but other content\n"), 0o644)).To(Succeed())
		other, err := app.Venv(ctx, req, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Expect(other).NotTo(Equal(venv))
	})
})
