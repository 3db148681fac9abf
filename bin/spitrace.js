#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`spitrace: internal error (this is a bug; please report it with the command line and, if you can, the capture): ${error?.stack ?? error}\n`);
    process.exitCode = 3;
  },
);
