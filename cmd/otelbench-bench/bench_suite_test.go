package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestOtelbenchBench(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "otelbench-bench")
}
