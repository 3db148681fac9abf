#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// A reader that stops early (`spitrace analyze ... | head`) closes the pipe: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`spitrace: internal error (this is a bug; please report it with the command line and, if you can, the capture): ${error?.stack ?? error}\n`);
    process.exitCode = 3;
  },
);
