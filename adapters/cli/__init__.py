"""The `planledger` command line: parse input, call one service method, render the result."""
