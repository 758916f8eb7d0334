// The `gradwasm` executable (dist/cli.js).
import { run } from './main.js';

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
