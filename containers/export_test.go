package containers

// ReadCgroup exposes readCgroup to the package's tests.
var ReadCgroup = readCgroup
