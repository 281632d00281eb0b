module weir

go 1.26.8

require github.com/dlclark/regexp2 v1.12.0

require (
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0 // indirect
)
