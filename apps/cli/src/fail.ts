// Ends the process with one clear line on stderr and a non-zero exit code.
export function fail(message: string, exitCode = 1): never {
  process.stderr.write(`contrail: ${message}\n`);
  process.exit(exitCode);
}
