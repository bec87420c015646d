package all_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/conformance"
)

// Every registered kind, as otelbench starts it and in its external form, against its real server: a new kind
// runs the contract by being registered.
var _ = Describe("every registered backend's read-back", Label("docker"), func() {
	conformance.Kinds(all.Kinds())
})
