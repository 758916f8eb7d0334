// The `gradwasm` executable (dist/cli.js).
import { run } from './main.js';

// A reader that stops early (`gradwasm predict … | head`) closes the pipe: that ends the output,
// not the command. Later writes are dropped, and the work goes on to its end (train still saves
// its model); a closed stderr leaves nowhere to say anything more.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
process.stderr.on('error', () => {});

run(process.argv.slice(2), (text) => void (stdoutClosed || process.stdout.write(text))).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
