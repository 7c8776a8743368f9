// Makes an unhandled promise rejection fail the test file that caused it: background loops must
// catch and report, so one that leaks a rejection is a bug the suite should see.
let installed = false;

export function failOnUnhandledRejection(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    process.exitCode = 1;
    throw reason instanceof Error ? reason : new Error(String(reason));
  });
}
