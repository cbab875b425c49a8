// Runs a wasm32-wasip1 program (a test binary, the XOR firmware) under Node's WASI, with the
// environment, the arguments and the host's `/` as `/`; exits with the program's status.
// Cargo's runner for that target (scripts/wasm-test.sh): `node scripts/wasi-run.mjs FILE ARGS…`.
import { readFile } from 'node:fs/promises';
import { argv, env, exit } from 'node:process';
import { WASI } from 'node:wasi';

const [file, ...args] = argv.slice(2);
if (!file) {
  console.error('usage: node wasi-run.mjs FILE.wasm [ARGS…]');
  exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env, preopens: { '/': '/' }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
