// hello is a Go program for the catalog's tests to build with the flags a
// Farmhand release is built with.
package main

func main() { println("hello") }
