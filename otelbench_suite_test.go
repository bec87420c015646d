package otelbench_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestOtelbench(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Otelbench Suite")
}
