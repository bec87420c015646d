package generators

import (
	"bytes"
	"io"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// replayingTransport reads a request's body, then replays it from GetBody, as http.Transport does when a
// keep-alive connection turns out dead.
type replayingTransport struct{ sawWriterTo bool }

func (t *replayingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	_, t.sawWriterTo = req.Body.(io.WriterTo)
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return nil, err
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

var _ = Describe("countingTransport", func() {
	It("counts the transport's replays from GetBody, keeps WriteTo, and leaves the request alone", func() {
		payload := bytes.Repeat([]byte("x"), 1000)
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/v1/traces", bytes.NewReader(payload))
		Expect(err).NotTo(HaveOccurred())
		req.ContentLength = -1 // as the SDK sends gzip bodies
		body := req.Body
		base, rec := &replayingTransport{}, NewRecorder()

		resp, err := countingTransport{base: base, rec: rec}.RoundTrip(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(rec.Stats().Bytes).To(Equal(int64(2 * len(payload))))
		Expect(base.sawWriterTo).To(BeTrue())
		Expect(req.Body).To(BeIdenticalTo(body))
		Expect(req.ContentLength).To(Equal(int64(-1)))
		// req.GetBody is still the caller's own: reading from it counts nothing.
		b, err := req.GetBody()
		Expect(err).NotTo(HaveOccurred())
		Expect(io.Copy(io.Discard, b)).To(Equal(int64(len(payload))))
		Expect(rec.Stats().Bytes).To(Equal(int64(2 * len(payload))))
	})
})
