// Output for admin subcommands: JSON on stdout, Buffers shown as UTF-8 text.
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
          return Buffer.from((v as { data: number[] }).data).toString('utf8');
        }
        return v;
      },
      2,
    )}\n`,
  );
}
