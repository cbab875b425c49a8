# pthread_detach and pthread_join for wasm32-wasip1 test binaries (scripts/wasm-test.sh):
# the Rust standard library refers to them, but Debian's wasi-libc (2022) predates its
# single-threaded pthread stubs. wasip1 has no threads, so std's thread::spawn fails before
# either could be called; both return ENOTSUP (58) anyway. Assembled with llvm-mc.
	.text
	.globl	pthread_detach
	.type	pthread_detach,@function
pthread_detach:
	.functype	pthread_detach (i32) -> (i32)
	i32.const	58
	end_function

	.globl	pthread_join
	.type	pthread_join,@function
pthread_join:
	.functype	pthread_join (i32, i32) -> (i32)
	i32.const	58
	end_function
