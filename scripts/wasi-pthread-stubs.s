# pthread functions for wasm32-wasip1 binaries (scripts/wasm-test.sh): the Rust standard
# library refers to them, but Debian's wasi-libc (2022) predates its single-threaded
# pthread stubs. wasip1 has no threads: pthread_create fails with EAGAIN (6), as those stubs
# do, so std::thread::spawn returns an error; the attribute calls succeed and do nothing;
# pthread_detach and pthread_join, reachable only after a successful create, return ENOTSUP
# (58). Assembled with llvm-mc.
	.text
	.globl	pthread_create
	.type	pthread_create,@function
pthread_create:
	.functype	pthread_create (i32, i32, i32, i32) -> (i32)
	i32.const	6
	end_function

	.globl	pthread_attr_init
	.type	pthread_attr_init,@function
pthread_attr_init:
	.functype	pthread_attr_init (i32) -> (i32)
	i32.const	0
	end_function

	.globl	pthread_attr_destroy
	.type	pthread_attr_destroy,@function
pthread_attr_destroy:
	.functype	pthread_attr_destroy (i32) -> (i32)
	i32.const	0
	end_function

	.globl	pthread_attr_setstacksize
	.type	pthread_attr_setstacksize,@function
pthread_attr_setstacksize:
	.functype	pthread_attr_setstacksize (i32, i32) -> (i32)
	i32.const	0
	end_function

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
